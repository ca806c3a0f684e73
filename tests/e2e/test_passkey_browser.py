"""A passkey enrolled and used in real Chromium (CDP virtual authenticator) against the real running server."""

from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from tests.e2e.conftest import LiveServer, add_virtual_authenticator, api_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

# Each step runs in the page exactly as the PWA would: options from the API, the browser's own
# JSON parsing and serialisation of WebAuthn structures, and the credential posted back as is.
ENROL_JS = """
async ({token, name}) => {
  const headers = {"Authorization": `Bearer ${token}`, "Content-Type": "application/json"};
  const options = await (await fetch("/api/v1/auth/passkeys/registration/options", {method: "POST", headers})).json();
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey),
  });
  const response = await fetch("/api/v1/auth/passkeys/registration", {
    method: "POST", headers,
    body: JSON.stringify({ceremony_id: options.ceremony_id, credential: credential.toJSON(), name}),
  });
  return {status: response.status, body: await response.json(), options: options.publicKey};
}
"""

SIGN_IN_JS = """
async () => {
  const headers = {"Content-Type": "application/json"};
  const options = await (await fetch("/api/v1/auth/passkeys/authentication/options", {method: "POST", headers})).json();
  const assertion = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey),
  });
  const response = await fetch("/api/v1/auth/passkeys/authentication", {
    method: "POST", headers,
    body: JSON.stringify({ceremony_id: options.ceremony_id, credential: assertion.toJSON()}),
  });
  return {status: response.status, body: await response.json(), userHandle: assertion.response.userHandle !== null};
}
"""

# A second enrolment on the same authenticator: excludeCredentials makes the browser refuse.
ENROL_AGAIN_JS = """
async ({token}) => {
  const headers = {"Authorization": `Bearer ${token}`};
  const options = await (await fetch("/api/v1/auth/passkeys/registration/options", {method: "POST", headers})).json();
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey);
  try {
    await navigator.credentials.create({publicKey});
    return "created";
  } catch (error) {
    return error.name;
  }
}
"""


# A page of the app that starts no WebAuthn request of its own (the public look-ups screen): the sign-in
# screen keeps a conditional (autofill) request pending, and Chromium allows one request at a time.
def neutral_page(server: LiveServer) -> str:
    return f"{server.url}/#/lookups"


def me_passkeys(server: LiveServer, access_token: str) -> httpx.Response:
    return httpx.get(
        f"{server.url}/api/v1/me/passkeys", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )


async def test_enrol_and_sign_in_with_a_passkey_in_chromium(live_server: LiveServer, page: Page) -> None:
    tokens = api_sign_in(live_server)
    await page.goto(neutral_page(live_server))
    assert await page.evaluate("window.isSecureContext && typeof PublicKeyCredential.parseCreationOptionsFromJSON")
    authenticator = await add_virtual_authenticator(page)

    enrolled: dict[str, Any] = await page.evaluate(ENROL_JS, {"token": tokens["access_token"], "name": "Chromium"})
    assert enrolled["status"] == 201, enrolled["body"]
    assert enrolled["body"]["name"] == "Chromium"
    assert enrolled["body"]["transports"] == ["internal"]
    assert enrolled["options"]["rp"]["id"] == "localhost"
    [held] = await authenticator.credentials()
    assert held["isResidentCredential"] is True
    assert held["rpId"] == "localhost"

    signed_in: dict[str, Any] = await page.evaluate(SIGN_IN_JS)
    assert signed_in["status"] == 200, signed_in["body"]
    assert signed_in["userHandle"] is True  # usernameless: the authenticator named the account
    pair = signed_in["body"]
    assert pair["token_type"] == "Bearer"
    assert pair["access_token"] != tokens["access_token"]

    mine = me_passkeys(live_server, pair["access_token"])
    assert mine.status_code == 200, mine.text
    [listed] = mine.json()
    assert listed["id"] == enrolled["body"]["id"]
    assert listed["last_used_at"] is not None

    # A second sign-in advances the counter the server keeps, and the browser refuses a duplicate enrolment.
    again: dict[str, Any] = await page.evaluate(SIGN_IN_JS)
    assert again["status"] == 200, again["body"]
    [held] = await authenticator.credentials()
    assert held["signCount"] >= 2
    assert await page.evaluate(ENROL_AGAIN_JS, {"token": pair["access_token"]}) == "InvalidStateError"


async def test_a_passkey_from_another_page_is_unknown_here(live_server: LiveServer, page: Page) -> None:
    """A fresh authenticator holds no passkey for this site, so a sign-in has nothing to offer."""
    await page.goto(neutral_page(live_server))
    await add_virtual_authenticator(page)
    outcome = await page.evaluate(
        """
        async () => {
          const options = await (await fetch("/api/v1/auth/passkeys/authentication/options", {method: "POST"})).json();
          const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON({...options.publicKey, timeout: 2000});
          try { await navigator.credentials.get({publicKey}); return "signed in"; }
          catch (error) { return error.name; }
        }
        """
    )
    assert outcome == "NotAllowedError"

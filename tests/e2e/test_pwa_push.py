"""Web Push opt-in, the card-check switch and the service worker's push handlers, in real Chromium.

Chromium here reaches no push service, so the page's PushManager is replaced before the app loads by a fake
that hands out a subscription with real P-256 keys; the server stores what the app posts, which is checked
in its database. The worker's handlers run in the real worker: a synthetic push event shows a notification,
and a synthetic click on it brings the open window to the notification's screen.
"""

import base64
import json
import secrets
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.async_api import Browser, BrowserContext, Page, Worker, expect

from tests.e2e.conftest import (
    PERSONA_AN,
    PHONE,
    LiveServer,
    api_sign_in,
    assert_accessible,
    open_signed_in,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

CARD_CHECK_SWITCH = "Báo cho tôi khi cơ sở y tế kiểm tra thẻ BHYT của tôi"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_subscription() -> dict[str, Any]:
    """What a browser's PushSubscription.toJSON() gives: an https endpoint and the RFC 8291 keys."""
    public_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/e2e-{uuid.uuid4().hex}",
        "expirationTime": None,
        "keys": {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))},
    }


def push_stub(subscription: dict[str, Any]) -> str:
    """An init script: notifications granted, and a PushManager that records what the app asked of it."""
    return f"""
    (() => {{
      const json = {json.dumps(subscription)};
      const log = (window.__push = {{ subscribed: [], unsubscribed: 0 }});
      // Like a real browser's, the subscription outlives a reload of the page.
      const fake = {{
        endpoint: json.endpoint,
        expirationTime: null,
        toJSON: () => JSON.parse(JSON.stringify(json)),
        unsubscribe: async () => {{ sessionStorage.removeItem("fake-push"); log.unsubscribed += 1; return true; }},
      }};
      Object.defineProperty(Notification, "permission", {{ configurable: true, get: () => "granted" }});
      Notification.requestPermission = async () => "granted";
      PushManager.prototype.getSubscription = async function () {{
        return sessionStorage.getItem("fake-push") ? fake : null;
      }};
      PushManager.prototype.subscribe = async function (options) {{
        const key = new Uint8Array(options.applicationServerKey);
        log.subscribed.push({{
          userVisibleOnly: options.userVisibleOnly,
          key: btoa(String.fromCharCode(...key)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""),
        }});
        sessionStorage.setItem("fake-push", "1");
        return fake;
      }};
    }})();
    """


def stored_subscriptions(server: LiveServer) -> list[tuple[str, str, str, str]]:
    """(endpoint, p256dh, auth, language) of every stored push subscription, read from the server's database."""
    return server.sql("SELECT endpoint, p256dh, auth, language FROM push_subscription ORDER BY id")


def get_json(url: str, access_token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    response = httpx.get(url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


async def service_worker(context: BrowserContext) -> Worker:
    """The app's worker, once it runs (the page registers it at start)."""
    if context.service_workers:
        return context.service_workers[0]
    return await context.wait_for_event("serviceworker", timeout=15_000)


@pytest.fixture(scope="module")
def an_access(demo_server: LiveServer) -> str:
    """One API sign-in for checks (OTP sends are limited per account: sign in once per module)."""
    return str(api_sign_in(demo_server, PERSONA_AN)["access_token"])


async def test_the_switch_subscribes_this_device_and_switching_off_deletes_it(
    demo_server: LiveServer, browser: Browser
) -> None:
    subscription = fake_subscription()
    context = await browser.new_context(viewport=PHONE)
    try:
        page = await context.new_page()
        await page.add_init_script(push_stub(subscription))
        await open_signed_in(page, demo_server, PERSONA_AN, route="settings")
        switch = page.get_by_role("switch", name="Nhận thông báo trên thiết bị này")
        await expect(switch).to_be_enabled()
        await expect(switch).not_to_be_checked()
        await assert_accessible(page, context="#settings-notify")

        await switch.check()
        await expect(page.locator("#settings-notify-status")).to_have_text("Đã bật thông báo trên thiết bị này.")
        await page.locator("#settings-notify").scroll_into_view_if_needed()
        await save_screenshot(page, "settings-notifications")
        public_key = get_json(f"{demo_server.url}/api/v1/push/public-key")["public_key"]
        asked = await page.evaluate("window.__push.subscribed")
        assert asked == [{"userVisibleOnly": True, "key": public_key}]
        keys = subscription["keys"]
        assert (subscription["endpoint"], keys["p256dh"], keys["auth"], "vi") in stored_subscriptions(demo_server)

        # A reload finds the browser's subscription and shows the switch on.
        await page.reload()
        await page.wait_for_selector("body[data-ready='true']")
        await expect(page.get_by_role("switch", name="Nhận thông báo trên thiết bị này")).to_be_checked()

        await page.get_by_role("switch", name="Nhận thông báo trên thiết bị này").uncheck()
        await expect(page.locator("#settings-notify-status")).to_have_text("Đã tắt thông báo trên thiết bị này.")
        assert await page.evaluate("window.__push.unsubscribed") == 1
        assert subscription["endpoint"] not in [row[0] for row in stored_subscriptions(demo_server)]
    finally:
        await context.close()


async def test_without_push_on_the_server_or_in_the_browser_the_switch_is_explained_not_offered(
    demo_server: LiveServer, page: Page
) -> None:
    # A server without a VAPID key answers 503: the inbox still works, and the switch says so.
    await page.route(
        "**/api/v1/push/public-key",
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body=json.dumps({"title": "Service Unavailable", "status": 503, "detail": "Push is off."}),
        ),
    )
    await open_signed_in(page, demo_server, PERSONA_AN, route="settings")
    switch = page.get_by_role("switch", name="Nhận thông báo trên thiết bị này")
    await expect(page.locator("#settings-push-hint")).to_have_text(
        "Máy chủ hiện chưa bật thông báo đẩy. Bạn vẫn xem được mọi thông báo trong Hộp thư."
    )
    await expect(switch).to_be_disabled()

    # A browser without the Push API (iOS outside the home screen): explained the same way, never offered.
    await page.unroute("**/api/v1/push/public-key")
    await page.add_init_script("delete window.PushManager;")
    await page.reload()
    await page.wait_for_selector("body[data-ready='true']")
    await expect(page.locator("#settings-push-hint")).to_contain_text("không hỗ trợ thông báo đẩy")
    await expect(switch).to_be_disabled()


async def test_the_card_check_switch_saves_the_choice(demo_server: LiveServer, page: Page, an_access: str) -> None:
    preferences = f"{demo_server.url}/api/v1/me/notification-preferences"
    assert get_json(preferences, an_access) == {"card_checked": False}
    await open_signed_in(page, demo_server, PERSONA_AN, route="settings")
    switch = page.get_by_role("switch", name=CARD_CHECK_SWITCH)
    await expect(switch).to_be_enabled()
    await switch.check()
    await expect(page.locator("#settings-notify-status")).to_have_text("Bạn sẽ được báo mỗi khi thẻ được kiểm tra.")
    assert get_json(preferences, an_access) == {"card_checked": True}
    await page.reload()
    await page.wait_for_selector("body[data-ready='true']")
    await expect(page.get_by_role("switch", name=CARD_CHECK_SWITCH)).to_be_checked()
    await page.get_by_role("switch", name=CARD_CHECK_SWITCH).uncheck()
    await expect(page.locator("#settings-notify-status")).to_have_text("Đã tắt thông báo kiểm tra thẻ.")
    assert get_json(preferences, an_access) == {"card_checked": False}


async def test_the_worker_shows_a_push_and_a_click_opens_its_screen(demo_server: LiveServer, browser: Browser) -> None:
    context = await browser.new_context(viewport=PHONE)
    try:
        await context.grant_permissions(["notifications"], origin=demo_server.url)
        page = await context.new_page()
        await page.goto(f"{demo_server.url}/#/verify")
        await page.wait_for_selector("body[data-ready='true']")
        worker = await service_worker(context)
        await page.evaluate("navigator.serviceWorker.ready.then(() => true)")

        # The payload mapping: one notification per inbox entry, only the app's own routes as links.
        shown = await worker.evaluate(
            "self.ansinhPush.notificationFromPush({id: 41, kind: 'application_status', title: 'Hồ sơ đã duyệt',"
            " body: 'Mã HS1', link: '#/applications/41'})"
        )
        assert shown == {
            "title": "Hồ sơ đã duyệt",
            "options": {
                "body": "Mã HS1",
                "icon": "/static/icons/icon-192.png",
                "badge": "/static/icons/icon-192.png",
                "tag": "ansinh-41",
                "data": {"link": "#/applications/41", "id": 41},
            },
        }
        foreign = await worker.evaluate("self.ansinhPush.notificationFromPush({id: 1, link: 'https://evil.example/'})")
        assert foreign["options"]["data"]["link"] == "#/inbox"
        assert await worker.evaluate("self.ansinhPush.notificationTarget('#/card', self.registration.scope)") == (
            f"{demo_server.url}/#/card"
        )

        # A push event as the push service would deliver it: the worker's own listener shows the notification.
        notifications = await worker.evaluate(
            """async () => {
              const data = JSON.stringify({id: 42, kind: "application_status", title: "Hồ sơ hoàn thành",
                                           body: "Thẻ mới đã được cấp.", link: "#/applications/42"});
              // waitUntil() refuses a synthetic event, but only after the listener has asked for the notification.
              try { self.dispatchEvent(new PushEvent("push", {data})); } catch (error) {}
              for (let i = 0; i < 50; i++) {
                const found = await self.registration.getNotifications({tag: "ansinh-42"});
                if (found.length) return found.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
                await new Promise((r) => setTimeout(r, 100));
              }
              return [];
            }"""
        )
        assert notifications == [
            {
                "title": "Hồ sơ hoàn thành",
                "body": "Thẻ mới đã được cấp.",
                "tag": "ansinh-42",
                "data": {"link": "#/applications/42", "id": 42},
            }
        ]

        # Tapping it brings the open window to the notification's screen.
        await worker.evaluate(
            """async () => {
              const [notification] = await self.registration.getNotifications({tag: "ansinh-42"});
              try { self.dispatchEvent(new NotificationEvent("notificationclick", {notification})); } catch (error) {}
            }"""
        )
        await expect(page).to_have_url(f"{demo_server.url}/#/applications/42")
    finally:
        await context.close()

"""The sign-in load clients' parts: the OTP gateway sink, and bench accounts and passkeys that really sign in."""

import asyncio
from collections.abc import Iterator

import pytest
from bench.otp_sink import OtpSink, parse_code
from bench.signin import BENCH_PASSKEY_NAME, prepare_passkeys, prepare_password_accounts
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.identity.models import Account, AccountStatus, Passkey
from ansinh.identity.otp import OtpDeliveryUnavailable, OutgoingMessage, WebhookSender
from tests.factories import make_citizen, make_person
from tests.support.webauthn_soft import SoftAuthenticator

# The text service.login sends (kept in step by the end-to-end test below reading it through the sink's parser).
LOGIN_TEXT = "AnSinh: ma dang nhap cua ban la {code}. Khong chia se ma nay. / Your sign-in code: {code}"
ORIGIN = "http://localhost:8000"  # the test settings' public URL


@pytest.fixture
def sink() -> Iterator[OtpSink]:
    with OtpSink() as running:
        yield running


def test_parse_code_finds_the_six_digits() -> None:
    assert parse_code(LOGIN_TEXT.format(code="042917")) == "042917"
    assert parse_code("call 0901234567 now") is None  # a phone number is not a code
    assert parse_code("no code here") is None


async def test_sink_receives_what_the_app_webhook_sends(sink: OtpSink) -> None:
    await WebhookSender(sink.url, sink.token).send(
        OutgoingMessage("sms", "0901000001", LOGIN_TEXT.format(code="123456"))
    )

    assert await sink.wait_code("0901000001", 2) == "123456"
    with pytest.raises(TimeoutError):  # handed out once
        await sink.wait_code("0901000001", 0.05)
    assert (sink.received, sink.rejected) == (1, 0)


async def test_sink_refuses_a_wrong_token(sink: OtpSink) -> None:
    with pytest.raises(OtpDeliveryUnavailable):
        await WebhookSender(sink.url, "not-the-token").send(OutgoingMessage("sms", "0901", LOGIN_TEXT.format(code="1")))

    assert sink.take_code("0901") is None
    assert (sink.received, sink.rejected) == (0, 1)


async def test_sink_wakes_a_waiter_with_the_newest_code(sink: OtpSink) -> None:
    sink.deliver("0902", LOGIN_TEXT.format(code="111111"))
    sink.deliver("0902", LOGIN_TEXT.format(code="222222"))  # a late code of an abandoned sign-in is dropped
    assert await sink.wait_code("0902", 1) == "222222"

    waiting = asyncio.create_task(sink.wait_code("0903", 2))
    await asyncio.sleep(0)
    await asyncio.to_thread(sink.deliver, "0903", LOGIN_TEXT.format(code="333333"))
    assert await waiting == "333333"


async def test_bench_accounts_sign_in_through_the_api(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, database_url: str
) -> None:
    pending, person = await make_citizen(db_session, password=None, status=AccountStatus.PENDING)
    account_id, username = pending.id, pending.username
    await make_person(db_session, phone="0903000777")  # in the registry without an account yet
    await make_person(db_session, phone=None)  # no phone: cannot receive a code, never chosen

    accounts = prepare_password_accounts(database_url, 2)

    assert [a.destination for a in accounts] == [person.phone, "0903000777"]
    login = await client.post(
        "/api/v1/auth/login", json={"username": accounts[1].username, "password": accounts[1].password}
    )
    assert login.status_code == 200, login.text
    assert login.json()["otp_required"] is True

    [credential] = prepare_passkeys(database_url, [username], "localhost")
    authenticator = SoftAuthenticator(
        origin=ORIGIN, credentials={credential.credential.credential_id: credential.credential}
    )
    for _ in range(2):  # the counter moves on every sign-in
        options = (await client.post("/api/v1/auth/passkeys/authentication/options")).json()
        assertion = authenticator.get(options["publicKey"], credential_id=credential.credential.credential_id)
        signed_in = await client.post(
            "/api/v1/auth/passkeys/authentication",
            json={"ceremony_id": options["ceremony_id"], "credential": assertion},
        )
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["access_token"]

    # Preparing again replaces the bench passkey: the old key no longer signs in.
    prepare_passkeys(database_url, [username], "localhost")
    options = (await client.post("/api/v1/auth/passkeys/authentication/options")).json()
    stale = authenticator.get(options["publicKey"], credential_id=credential.credential.credential_id)
    refused = await client.post(
        "/api/v1/auth/passkeys/authentication", json={"ceremony_id": options["ceremony_id"], "credential": stale}
    )
    assert refused.status_code == 401
    db_session.expire_all()
    rows = (await db_session.exec(select(Passkey).where(Passkey.account_id == account_id))).all()
    assert [p.name for p in rows] == [BENCH_PASSKEY_NAME]
    assert (await db_session.get(Account, account_id)).status == AccountStatus.ACTIVE

"""Web Push end to end: a browser's keys, a push service on 127.0.0.1, RFC 8291 decryption and RFC 8292 VAPID."""

import base64
import json
from datetime import date, timedelta

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.core.settings import Settings
from ansinh.core.signing import b64url, b64url_decode
from ansinh.core.time import utcnow
from ansinh.notifications import push
from ansinh.notifications.models import Notification, NotificationKind, PushSubscription
from ansinh.notifications.service import notify
from tests.notifications.conftest import Browser, Citizen, PushService
from tests.support.problems import assert_problem

Client = AsyncTestClient[Litestar]
TODAY = date(2026, 11, 26)
APPLICATION = {"reference": "HS-2026-000042", "kind": "facility_change", "status": "done", "reason": None}
STRONG = "s" * 40


async def subscribe(client: Client, citizen: Citizen, browser: Browser, endpoint: str, language: str = "vi") -> dict:
    response = await client.post(
        "/api/v1/me/push-subscriptions", json=browser.subscription(endpoint, language), headers=citizen.headers
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def application_notice(db: AsyncSession, citizen: Citizen, status: str = "done") -> Notification:
    assert citizen.person.id is not None
    notice = await notify(
        db,
        person_id=citizen.person.id,
        kind=NotificationKind.APPLICATION_STATUS,
        dedupe_key=f"application:42:{status}",
        params={**APPLICATION, "status": status},
        link="#/applications/42",
    )
    assert notice is not None
    await db.commit()
    return notice


def vapid_parts(authorization: str) -> dict[str, str]:
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid"
    return dict(part.split("=", 1) for part in rest.split(","))


def ec_key_from_point(point: bytes) -> ECKey:
    assert len(point) == 65
    assert point[0] == 4
    return ECKey.import_key({"kty": "EC", "crv": "P-256", "x": b64url(point[1:33]), "y": b64url(point[33:])})


# --- the public key -----------------------------------------------------------------------------------------------


async def test_the_public_key_is_an_uncompressed_p256_point_stable_for_the_secret(
    client: Client, settings: Settings
) -> None:
    response = await client.get("/api/v1/push/public-key")
    assert response.status_code == 200, response.text
    point = b64url_decode(response.json()["public_key"])
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)  # on the curve
    assert len(point) == 65
    again = push.vapid_key(settings.model_copy())
    assert again is not None
    assert push.public_key_b64(again) == response.json()["public_key"]
    other = push.vapid_key(settings.model_copy(update={"secret_key": "another-secret-that-is-long-enough-42"}))
    assert other is not None
    assert push.public_key_b64(other) != response.json()["public_key"]


@pytest.mark.parametrize("form", ["raw", "pem"])
def test_a_configured_key_is_read_as_raw_base64url_or_pem(settings: Settings, form: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    if form == "raw":
        text = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    else:
        text = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    configured = Settings(_env_file=None, env="dev", database_url=settings.database_url, vapid_private_key=text)
    loaded = push.vapid_key(configured)
    assert loaded is not None
    assert loaded.private_numbers().private_value == key.private_numbers().private_value


@pytest.mark.parametrize("text", ["not-a-key", b64url(b"\x01" * 31), "-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_a_malformed_configured_key_stops_the_settings_from_loading(text: str) -> None:
    with pytest.raises(ValueError, match="VAPID"):
        Settings(_env_file=None, env="dev", vapid_private_key=text)


def test_a_p384_key_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(ValueError, match="P-256"):
        Settings(_env_file=None, env="dev", vapid_private_key=pem.decode())


async def test_outside_dev_without_a_key_push_is_off(
    settings: Settings, db_session: AsyncSession, me: Citizen, push_service: PushService
) -> None:
    prod = Settings(
        _env_file=None, env="prod", database_url=settings.database_url, secret_key=STRONG, payment_hmac_secret=STRONG
    )
    async with AsyncTestClient(app=create_app(prod)) as client:
        assert_problem(await client.get("/api/v1/push/public-key"), 503, "push-unavailable")
    db_session.add(
        PushSubscription(
            person_id=me.person.id,  # type: ignore[arg-type]
            endpoint=push_service.endpoint("prod"),
            p256dh=Browser().p256dh,
            auth=Browser().auth,
        )
    )
    notice = await application_notice(db_session, me)
    assert await push.deliver_push(db_session, TODAY, prod) == 0
    await db_session.refresh(notice)
    assert notice.push_state == "pending"  # nothing marked sent: a key configured later delivers it
    assert push_service.received == []
    configured = prod.model_copy(update={"vapid_private_key": SecretStr(b64url(b"\x07" * 32))})
    assert await push.deliver_push(db_session, TODAY, configured) == 1


# --- delivery -----------------------------------------------------------------------------------------------------


async def test_a_notice_reaches_the_browser_encrypted_with_a_valid_vapid_token(
    client: Client, db_session: AsyncSession, settings: Settings, me: Citizen, push_service: PushService
) -> None:
    browser = Browser()
    created = await subscribe(client, me, browser, push_service.endpoint("abc"), language="en")
    notice = await application_notice(db_session, me)
    before = int(utcnow().timestamp())

    assert await push.deliver_push(db_session, TODAY, settings) == 1

    [received] = push_service.to("abc")
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == str(push.TTL_SECONDS)
    plain = http_ece.decrypt(
        received.body, private_key=browser.private_key, auth_secret=browser.auth_secret, version="aes128gcm"
    )
    assert json.loads(plain) == {
        "id": notice.id,
        "kind": "application_status",
        "title": "Application update",
        "body": "Your change of primary care facility application HS-2026-000042 is complete.",
        "link": "#/applications/42",
    }
    # RFC 8292: t is an ES256 JWT for the push service's origin, k the key the browser subscribed with.
    parts = vapid_parts(received.headers["authorization"])
    public_key = (await client.get("/api/v1/push/public-key")).json()["public_key"]
    assert parts["k"] == public_key
    token = jwt.decode(parts["t"], ec_key_from_point(b64url_decode(parts["k"])), algorithms=["ES256"])
    assert token.header["alg"] == "ES256"
    jwt.JWTClaimsRegistry(
        aud={"essential": True, "value": push_service.origin},
        exp={"essential": True},
        sub={"essential": True, "value": settings.vapid_subject},
    ).validate(token.claims)
    assert before < token.claims["exp"] <= before + 12 * 3600 + 5
    await db_session.refresh(notice)
    assert notice.push_state == "sent"
    assert notice.pushed_at is not None
    row = (await db_session.exec(select(PushSubscription).where(PushSubscription.id == created["id"]))).one()
    assert row.last_success_at is not None

    assert await push.deliver_push(db_session, TODAY, settings) == 0  # nothing is pushed twice
    assert len(push_service.received) == 1


async def test_each_device_gets_its_own_language_and_a_person_without_devices_is_marked_none(
    client: Client,
    db_session: AsyncSession,
    settings: Settings,
    me: Citizen,
    someone_else: Citizen,
    push_service: PushService,
) -> None:
    phone, laptop = Browser(), Browser()
    await subscribe(client, me, phone, push_service.endpoint("phone"), language="vi")
    await subscribe(client, me, laptop, push_service.endpoint("laptop"), language="en")
    await application_notice(db_session, me)
    theirs = await application_notice(db_session, someone_else)
    assert await push.deliver_push(db_session, TODAY, settings) == 1
    [vi] = push_service.to("phone")
    [en] = push_service.to("laptop")
    title_vi = json.loads(http_ece.decrypt(vi.body, private_key=phone.private_key, auth_secret=phone.auth_secret))
    title_en = json.loads(http_ece.decrypt(en.body, private_key=laptop.private_key, auth_secret=laptop.auth_secret))
    assert (title_vi["title"], title_en["title"]) == ("Cập nhật hồ sơ", "Application update")
    await db_session.refresh(theirs)
    assert theirs.push_state == "none"


async def test_a_410_deletes_the_subscription(
    client: Client, db_session: AsyncSession, settings: Settings, me: Citizen, push_service: PushService
) -> None:
    await subscribe(client, me, Browser(), push_service.endpoint("gone"))
    push_service.status["/push/gone"] = 410
    notice = await application_notice(db_session, me)
    assert await push.deliver_push(db_session, TODAY, settings) == 0
    assert len(push_service.to("gone")) == 1
    assert (await db_session.exec(select(PushSubscription))).all() == []
    await db_session.refresh(notice)
    assert notice.push_state == "none"


async def test_a_failing_push_service_is_retried_on_the_next_run_a_bounded_number_of_times(
    client: Client, db_session: AsyncSession, settings: Settings, me: Citizen, push_service: PushService
) -> None:
    browser = Browser()
    await subscribe(client, me, browser, push_service.endpoint("flaky"))
    push_service.status["/push/flaky"] = 503
    notice = await application_notice(db_session, me, status="approved")
    later = await application_notice(db_session, me, status="done")
    assert await push.deliver_push(db_session, TODAY, settings) == 0
    assert len(push_service.to("flaky")) == 1  # a failing device is tried once per run, not once per notice
    subscription = (await db_session.exec(select(PushSubscription))).one()
    assert subscription.failures == 1
    for row in (notice, later):
        await db_session.refresh(row)
        assert row.push_state == "pending"

    push_service.status["/push/flaky"] = 201
    assert await push.deliver_push(db_session, TODAY, settings) == 2
    await db_session.refresh(subscription)
    assert subscription.failures == 0

    push_service.status["/push/flaky"] = 500
    last = await application_notice(db_session, me, status="rejected")
    for _ in range(push.MAX_FAILURES):
        assert await push.deliver_push(db_session, TODAY, settings) == 0
    assert (await db_session.exec(select(PushSubscription))).all() == []  # given up on after MAX_FAILURES runs
    await db_session.refresh(last)
    assert last.push_state == "failed"
    assert len(push_service.to("flaky")) == 3 + push.MAX_FAILURES


async def test_a_subscription_with_unusable_stored_keys_does_not_stop_delivery_to_others(
    client: Client,
    db_session: AsyncSession,
    settings: Settings,
    me: Citizen,
    someone_else: Citizen,
    push_service: PushService,
) -> None:
    db_session.add(  # written before the checks existed, say: a point that is not on the curve
        PushSubscription(
            person_id=someone_else.person.id,  # type: ignore[arg-type]
            endpoint=push_service.endpoint("broken"),
            p256dh=b64url(b"\x04" + b"\x01" * 64),
            auth=Browser().auth,
        )
    )
    await db_session.commit()
    await application_notice(db_session, someone_else)
    await subscribe(client, me, Browser(), push_service.endpoint("fine"))
    await application_notice(db_session, me)
    assert await push.deliver_push(db_session, TODAY, settings) == 1
    assert len(push_service.to("fine")) == 1
    assert push_service.to("broken") == []
    broken = (
        await db_session.exec(select(PushSubscription).where(PushSubscription.person_id == someone_else.person.id))
    ).one()
    assert broken.failures == 1


async def test_a_redirect_is_a_failure_and_is_not_followed(
    client: Client, db_session: AsyncSession, settings: Settings, me: Citizen, push_service: PushService
) -> None:
    await subscribe(client, me, Browser(), push_service.endpoint("moved"))
    push_service.status["/push/moved"] = 307
    notice = await application_notice(db_session, me)
    assert await push.deliver_push(db_session, TODAY, settings) == 0
    assert push_service.to("redirected") == []
    assert len(push_service.to("moved")) == 1
    await db_session.refresh(notice)
    assert notice.push_state == "pending"
    assert (await db_session.exec(select(PushSubscription))).one().failures == 1


async def test_a_notice_that_cannot_be_pushed_for_days_is_given_up(
    client: Client, db_session: AsyncSession, settings: Settings, me: Citizen, push_service: PushService
) -> None:
    await subscribe(client, me, Browser(), push_service.endpoint("down"))
    push_service.status["/push/down"] = 500
    notice = await application_notice(db_session, me)
    notice.created_at = utcnow() - push.GIVE_UP_AFTER - timedelta(minutes=1)
    await db_session.commit()
    assert await push.deliver_push(db_session, TODAY, settings) == 0
    await db_session.refresh(notice)
    assert notice.push_state == "failed"


# --- subscriptions ------------------------------------------------------------------------------------------------


async def test_subscribing_again_updates_the_same_row(
    client: Client, db_session: AsyncSession, me: Citizen, push_service: PushService
) -> None:
    browser = Browser()
    endpoint = push_service.endpoint("same")
    first = await client.post(
        "/api/v1/me/push-subscriptions", json=browser.subscription(endpoint, "vi"), headers=me.headers
    )
    assert first.status_code == 201, first.text
    assert set(first.json()) == {"id", "endpoint", "created_at"}
    renewed = Browser()
    again = await client.post(
        "/api/v1/me/push-subscriptions", json=renewed.subscription(endpoint, "en"), headers=me.headers
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    row = (await db_session.exec(select(PushSubscription))).one()
    assert (row.language, row.p256dh, row.auth) == ("en", renewed.p256dh, renewed.auth)


def _bad(p256dh: str | None = None, auth: str | None = None, endpoint: str = "https://fcm.googleapis.com/wp/abc"):
    browser = Browser()
    body = browser.subscription(endpoint)
    body["keys"] = {"p256dh": p256dh or browser.p256dh, "auth": auth or browser.auth}
    return body


OFF_CURVE = b64url(b"\x04" + b"\x01" * 64)
COMPRESSED = b64url(
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
)


@pytest.mark.parametrize(
    "body",
    [
        _bad(p256dh=OFF_CURVE),
        _bad(p256dh=COMPRESSED),
        _bad(p256dh=b64url(b"\x04" * 64)),
        _bad(p256dh="not base64url!"),
        _bad(auth=b64url(b"\x00" * 15)),
        _bad(auth=b64url(b"\x00" * 17)),
        _bad(endpoint="http://push.example.com/abc"),
        _bad(endpoint="ftp://push.example.com/abc"),
        _bad(endpoint="https://10.0.0.5/abc"),
        _bad(endpoint="https://intranet/abc"),
        _bad(endpoint="https://user:pw@push.example.com/abc"),
        _bad(endpoint="not a url"),
    ],
    ids=[
        "point-off-curve",
        "compressed-point",
        "64-bytes",
        "not-base64url",
        "auth-15-bytes",
        "auth-17-bytes",
        "http",
        "ftp",
        "ip-literal",
        "single-label-host",
        "credentials",
        "garbage",
    ],
)
async def test_a_subscription_with_bad_keys_or_endpoint_is_refused_with_422(
    client: Client, db_session: AsyncSession, me: Citizen, body: dict
) -> None:
    response = await client.post("/api/v1/me/push-subscriptions", json=body, headers=me.headers)
    assert_problem(response, 422, "invalid-push-subscription")
    assert (await db_session.exec(select(PushSubscription))).all() == []


async def test_a_real_push_service_url_and_base64_padding_are_accepted(
    client: Client, db_session: AsyncSession, me: Citizen
) -> None:
    browser = Browser()
    body = browser.subscription("https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b")
    body["keys"]["auth"] = base64.urlsafe_b64encode(browser.auth_secret).decode()  # padded, as some browsers send
    response = await client.post("/api/v1/me/push-subscriptions", json=body, headers=me.headers)
    assert response.status_code == 201, response.text
    assert (await db_session.exec(select(PushSubscription))).one().auth == browser.auth


async def test_a_body_without_keys_is_a_400(client: Client, me: Citizen) -> None:
    response = await client.post(
        "/api/v1/me/push-subscriptions", json={"endpoint": "https://fcm.googleapis.com/x"}, headers=me.headers
    )
    assert_problem(response, 400, "invalid-request")


async def test_unsubscribing_removes_only_the_callers_own_subscription(
    client: Client, db_session: AsyncSession, me: Citizen, someone_else: Citizen, push_service: PushService
) -> None:
    mine, theirs = push_service.endpoint("mine"), push_service.endpoint("theirs")
    await subscribe(client, me, Browser(), mine)
    await subscribe(client, someone_else, Browser(), theirs)
    refused = await client.delete("/api/v1/me/push-subscriptions", params={"endpoint": theirs}, headers=me.headers)
    assert refused.status_code == 204
    done = await client.delete("/api/v1/me/push-subscriptions", params={"endpoint": mine}, headers=me.headers)
    assert done.status_code == 204
    left = (await db_session.exec(select(PushSubscription))).all()
    assert [(s.endpoint, s.person_id) for s in left] == [(theirs, someone_else.person.id)]


async def test_a_browser_subscribed_by_someone_else_moves_to_whoever_signed_in_last(
    client: Client, db_session: AsyncSession, me: Citizen, someone_else: Citizen, push_service: PushService
) -> None:
    endpoint = push_service.endpoint("shared")
    await subscribe(client, someone_else, Browser(), endpoint)
    moved = await client.post(
        "/api/v1/me/push-subscriptions", json=Browser().subscription(endpoint), headers=me.headers
    )
    assert moved.status_code == 200
    assert (await db_session.exec(select(PushSubscription))).one().person_id == me.person.id

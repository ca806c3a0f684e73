"""Web Push: the VAPID key (RFC 8292), sending one encrypted message (RFC 8291, aes128gcm) and the delivery job."""

import json
import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.signing import b64url, parse_vapid_key
from ansinh.core.time import utcnow
from ansinh.notifications.messages import render
from ansinh.notifications.models import Notification, PushSubscription

logger = logging.getLogger("ansinh.push")

TTL_SECONDS = 24 * 3600  # a notice older than a day is read in the inbox, not pushed
VAPID_LIFETIME_SECONDS = 12 * 3600  # RFC 8292 §2: at most 24 h; push services commonly refuse more than 12
SEND_TIMEOUT_SECONDS = 10
MAX_FAILURES = 5  # a subscription failing this many runs in a row is dropped
GIVE_UP_AFTER = timedelta(days=2)  # a notice still undelivered after this is marked failed
BATCH_SIZE = 200
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@lru_cache(maxsize=4)
def _derived_dev_key(secret_key: str) -> ec.EllipticCurvePrivateKey:
    # Stable across restarts and workers, so browsers' subscriptions survive `make run` again.
    seed = HKDF(algorithm=hashes.SHA256(), length=48, salt=b"ansinh", info=b"vapid-p256-v1").derive(secret_key.encode())
    return ec.derive_private_key(int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())


@lru_cache(maxsize=4)
def _configured_key(text: str) -> ec.EllipticCurvePrivateKey:
    return parse_vapid_key(text)


def vapid_key(settings: Settings) -> ec.EllipticCurvePrivateKey | None:
    """The VAPID private key, or None when push is off (no key outside dev)."""
    if settings.vapid_private_key is not None:
        return _configured_key(settings.vapid_private_key.get_secret_value())
    if settings.is_dev:
        return _derived_dev_key(settings.secret_key)
    return None


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """The uncompressed public point, base64url: the browser's ``applicationServerKey``."""
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def origin_of(endpoint: str) -> str:
    """The push service's origin: the VAPID ``aud``."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, slots=True)
class Target:
    """What sending needs of a subscription, copied out of the ORM row for the worker thread."""

    endpoint: str
    p256dh: str
    auth: str


def send_one(
    target: Target,
    payload: bytes,
    *,
    key: ec.EllipticCurvePrivateKey,
    subject: str,
    session: requests.Session,
    now: float | None = None,
) -> int:
    """Encrypt and POST one message (blocking: call it in a thread); returns the push service's status."""
    claims = {
        "aud": origin_of(target.endpoint),
        "exp": int(now or time.time()) + VAPID_LIFETIME_SECONDS,
        "sub": subject,
    }
    headers = Vapid02(key).sign(claims)
    headers["Urgency"] = "normal"
    subscription = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
    pusher = WebPusher(subscription, requests_session=session)  # one connection pool for the whole run
    response = pusher.send(
        payload, headers, ttl=TTL_SECONDS, content_encoding="aes128gcm", timeout=SEND_TIMEOUT_SECONDS
    )
    return int(response.status_code)  # type: ignore[union-attr]


def push_payload(notification: Notification, language: str) -> bytes:
    """The JSON the service worker receives, in the subscription's language."""
    title, body = render(notification.kind, notification.params, language)
    document: dict[str, Any] = {
        "id": notification.id,
        "kind": notification.kind,
        "title": title,
        "body": body,
        "link": notification.link,
    }
    return json.dumps(document, ensure_ascii=False).encode()


async def _send(target: Target, payload: bytes, *, key: ec.EllipticCurvePrivateKey, subject: str, session: Any) -> int:
    """Send in a worker thread; a network error or an unusable stored key is status 0 (retried, then dropped)."""
    try:
        return await anyio.to_thread.run_sync(
            lambda: send_one(target, payload, key=key, subject=subject, session=session)
        )
    # One broken subscription must not stop delivery to everyone else.
    except (requests.RequestException, OSError, ValueError, WebPushException) as exc:
        logger.warning("push to %s failed: %s", origin_of(target.endpoint), type(exc).__name__)
        return 0


async def deliver_push(db: AsyncSession, today: date, settings: Settings) -> int:
    """Push every pending notice to its person's subscriptions; returns how many notices were pushed."""
    key = vapid_key(settings)
    if key is None:
        return 0  # push is off: leave them pending, nothing is marked sent
    pushed = 0
    after_id = 0  # notices left pending for a retry are not taken again in this run
    with requests.Session() as http:
        # Push services answer, never redirect: following one could walk our POST into the internal network.
        http.max_redirects = 0
        while True:
            # SKIP LOCKED (PostgreSQL): two runs at once never take the same notice, so nothing is pushed twice.
            batch = list(
                (
                    await db.exec(
                        select(Notification)
                        .where(Notification.push_state == "pending", col(Notification.id) > after_id)
                        .order_by(col(Notification.id))
                        .limit(BATCH_SIZE)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
            )
            if not batch:
                break
            after_id = batch[-1].id  # type: ignore[assignment]
            pushed += await _deliver_batch(db, batch, key=key, settings=settings, http=http)
            await db.commit()
            if len(batch) < BATCH_SIZE:
                break
    return pushed


async def _deliver_batch(
    db: AsyncSession, batch: list[Notification], *, key: ec.EllipticCurvePrivateKey, settings: Settings, http: Any
) -> int:
    person_ids = {n.person_id for n in batch}
    subscriptions: dict[int, list[PushSubscription]] = {pid: [] for pid in person_ids}
    rows = await db.exec(select(PushSubscription).where(col(PushSubscription.person_id).in_(person_ids)))
    for row in rows.all():
        subscriptions[row.person_id].append(row)
    gone: set[int] = set()
    exhausted: set[int] = set()
    failed_this_run: set[int] = set()
    pushed = 0
    now = utcnow()
    for notification in batch:
        live = [s for s in subscriptions[notification.person_id] if s.id not in gone]
        if not live:
            notification.push_state = "none"
            continue
        delivered = retry = False
        for subscription in live:
            if subscription.id in failed_this_run:
                retry = True  # it failed moments ago: do not hammer it, try again next run
                continue
            target = Target(subscription.endpoint, subscription.p256dh, subscription.auth)
            status = await _send(
                target,
                push_payload(notification, subscription.language),
                key=key,
                subject=settings.vapid_subject,
                session=http,
            )
            if 200 <= status < 300:
                delivered = True
                subscription.failures = 0
                subscription.last_success_at = now
            elif status in (404, 410):  # the browser unsubscribed or the subscription expired (RFC 8030 §7.3)
                gone.add(subscription.id)  # type: ignore[arg-type]
            else:
                failed_this_run.add(subscription.id)  # type: ignore[arg-type]
                subscription.failures += 1
                if subscription.failures >= MAX_FAILURES:
                    gone.add(subscription.id)  # type: ignore[arg-type]
                    exhausted.add(subscription.id)  # type: ignore[arg-type]
                else:
                    retry = True
        if delivered:
            # Sent to at least one device: never again, or that device would get it twice.
            notification.push_state = "sent"
            notification.pushed_at = now
            pushed += 1
        elif retry and now - notification.created_at < GIVE_UP_AFTER:
            continue  # stays pending for the next run
        elif retry:
            notification.push_state = "failed"
        else:
            # Every device is gone: unsubscribed (none), or failing for good (failed).
            notification.push_state = "failed" if any(s.id in exhausted for s in live) else "none"
    if gone:
        await db.exec(delete(PushSubscription).where(col(PushSubscription.id).in_(gone)))  # type: ignore[call-overload]
    return pushed

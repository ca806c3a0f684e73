"""The inbox: adding notices once per event, reading them, push subscriptions, choices and the event hooks."""

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.errors import DomainError, NotFound
from ansinh.core.settings import Settings
from ansinh.core.signing import b64url_decode
from ansinh.core.time import utcnow
from ansinh.identity.events import NewDeviceSignIn
from ansinh.notifications.messages import render
from ansinh.notifications.models import Notification, NotificationKind, NotificationPreference, PushSubscription
from ansinh.notifications.schemas import (
    NotificationPage,
    NotificationPreferences,
    NotificationPublic,
    PushSubscriptionCreate,
    PushSubscriptionPublic,
)

MAX_ENDPOINT_LENGTH = 1024
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
NOTIFICATION = Notification.__table__  # type: ignore[attr-defined]


class PushUnavailable(DomainError):
    status_code = 503
    slug = "push-unavailable"
    title = "Push notifications unavailable"
    default_en = "Push notifications are not available on this server. Your inbox still works."
    default_vi = "Máy chủ chưa hỗ trợ thông báo đẩy. Hộp thư thông báo vẫn hoạt động bình thường."


class InvalidSubscription(DomainError):
    status_code = 422
    slug = "invalid-push-subscription"
    title = "Invalid push subscription"
    default_en = "The browser's push subscription is not valid."
    default_vi = "Đăng ký nhận thông báo đẩy của trình duyệt không hợp lệ."


class NoSuchNotification(NotFound):
    slug = "notification-not-found"
    title = "No such notification"
    default_en = "This notification does not exist."
    default_vi = "Không tìm thấy thông báo này."


# --- adding -------------------------------------------------------------------------------------------------------


async def notify(
    db: AsyncSession,
    *,
    person_id: int,
    kind: NotificationKind,
    dedupe_key: str,
    params: dict[str, Any],
    link: str | None = None,
    push: bool = True,
) -> Notification | None:
    """Add an inbox entry in the caller's transaction (not committed); None if this event was already told.

    ``push=False`` keeps it in the inbox only (a notice the person has not asked to be pushed).
    """
    exists = (
        await db.exec(
            select(Notification.id).where(Notification.person_id == person_id, Notification.dedupe_key == dedupe_key)
        )
    ).first()
    if exists is not None:
        return None
    notification = Notification(
        person_id=person_id,
        kind=NotificationKind(kind).value,
        dedupe_key=dedupe_key,
        params=params,
        link=link,
        push_state="pending" if push else "none",
    )
    try:
        # A concurrent writer may insert the same key between the check and here: the savepoint confines the
        # unique violation, so the caller's transaction stays usable on PostgreSQL.
        async with db.begin_nested():
            db.add(notification)
    except IntegrityError:
        return None
    return notification


@dataclass(frozen=True, slots=True)
class Notice:
    """One inbox entry to add (``notify``'s arguments), alone or with ``notify_many``."""

    person_id: int
    kind: NotificationKind
    dedupe_key: str
    params: dict[str, Any]
    link: str | None = None
    push: bool = True


async def notify_many(db: AsyncSession, notices: Sequence[Notice]) -> int:
    """Add many notices in one statement in the caller's transaction (not committed); returns how many were new.

    ``INSERT … ON CONFLICT DO NOTHING`` on the (person, dedupe key) pair: an event already told, or told by a
    concurrent transaction, is skipped without aborting the caller's transaction (a declaration of 10,000 rows
    tells its workers in one round trip, not 10,000 savepoints).
    """
    if not notices:
        return 0
    now = utcnow()
    unique = {(n.person_id, n.dedupe_key): n for n in notices}  # one statement inserts a key once
    rows = [
        {
            "person_id": n.person_id,
            "kind": NotificationKind(n.kind).value,
            "dedupe_key": n.dedupe_key,
            "params": n.params,
            "link": n.link,
            "push_state": "pending" if n.push else "none",
            "created_at": now,
        }
        for n in unique.values()
    ]
    # One compiled statement, executed for many rows: SQLAlchemy sends them as multi-row INSERTs of a bounded size
    # ("insertmanyvalues"), within PostgreSQL's parameter limit, and gathers what RETURNING gives back.
    statement = (
        pg_insert(Notification)
        .on_conflict_do_nothing(index_elements=["person_id", "dedupe_key"])
        .returning(col(Notification.id))
    )
    result = await (await db.connection()).execute(statement, rows)
    return len(result.all())


# --- reading ------------------------------------------------------------------------------------------------------


def public(notification: Notification, language: str) -> NotificationPublic:
    """An inbox entry rendered in ``language``."""
    title, body = render(notification.kind, notification.params, language)
    return NotificationPublic(
        id=notification.id,  # type: ignore[arg-type]
        kind=notification.kind,
        title=title,
        body=body,
        link=notification.link,
        params=notification.params,
        created_at=notification.created_at,
        read_at=notification.read_at,
    )


async def inbox(
    db: AsyncSession, *, person_id: int, unread_only: bool, limit: int, offset: int, language: str
) -> NotificationPage:
    """The person's notices, newest first, with the unread count."""
    mine = col(Notification.person_id) == person_id
    unread_clause = col(Notification.read_at).is_(None)
    where = (mine & unread_clause) if unread_only else mine
    total = (await db.exec(select(func.count()).select_from(Notification).where(where))).one()
    unread = (await db.exec(select(func.count()).select_from(Notification).where(mine, unread_clause))).one()
    rows = await db.exec(
        select(Notification)
        .where(where)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return NotificationPage(
        items=[public(n, language) for n in rows.all()], total=total, limit=limit, offset=offset, unread=unread
    )


async def mark_read(db: AsyncSession, *, person_id: int, notification_id: int, language: str) -> NotificationPublic:
    """Mark one of the person's notices read (again is fine); someone else's is not found."""
    notification = await db.get(Notification, notification_id)
    if notification is None or notification.person_id != person_id:
        raise NoSuchNotification()
    if notification.read_at is None:
        notification.read_at = utcnow()
        await db.commit()
    return public(notification, language)


async def mark_all_read(db: AsyncSession, *, person_id: int) -> int:
    """Mark every unread notice of the person read; returns how many."""
    result = await db.exec(
        update(Notification)
        .where(col(Notification.person_id) == person_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    await db.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- push subscriptions -------------------------------------------------------------------------------------------


def _check_endpoint(endpoint: str, settings: Settings) -> None:
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if len(endpoint) > MAX_ENDPOINT_LENGTH or not host or parts.username or parts.password:
        raise InvalidSubscription("The push endpoint is not a valid URL.", "Địa chỉ nhận thông báo không hợp lệ.")
    local = host in LOCAL_HOSTS
    if parts.scheme == "http" and local and settings.is_dev:
        return  # a test push service on this machine
    if parts.scheme != "https":
        raise InvalidSubscription("The push endpoint must use https.", "Địa chỉ nhận thông báo phải dùng https.")
    # The job POSTs to this URL from inside our network: only public push services, never a bare IP or local name.
    try:
        ipaddress.ip_address(host)
        is_ip = True
    except ValueError:
        is_ip = False
    if (is_ip or local or "." not in host) and not (local and settings.is_dev):
        raise InvalidSubscription(
            "The push endpoint must be a push service on the internet.",
            "Địa chỉ nhận thông báo phải là dịch vụ thông báo đẩy trên internet.",
        )


def _check_keys(p256dh: str, auth: str) -> None:
    try:
        point = b64url_decode(p256dh.rstrip("="))
        secret = b64url_decode(auth.rstrip("="))
        if len(point) != 65 or point[0] != 4:
            raise ValueError("not an uncompressed point")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)  # refuses points off the curve
    except ValueError as exc:
        raise InvalidSubscription(
            "keys.p256dh must be the browser's P-256 public key (65 bytes, base64url).",
            "keys.p256dh phải là khóa công khai P-256 của trình duyệt (65 byte, base64url).",
        ) from exc
    if len(secret) != 16:
        raise InvalidSubscription(
            "keys.auth must be the browser's 16-byte auth secret (base64url).",
            "keys.auth phải là khóa bí mật 16 byte của trình duyệt (base64url).",
        )


async def subscribe(
    db: AsyncSession, *, person_id: int, request: PushSubscriptionCreate, settings: Settings, user_agent: str | None
) -> tuple[PushSubscriptionPublic, bool]:
    """Store the browser's subscription for the person; returns it and whether it is new."""
    endpoint = request.endpoint.strip()
    _check_endpoint(endpoint, settings)
    _check_keys(request.keys.p256dh, request.keys.auth)
    for attempt in (1, 2):
        existing = (await db.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint))).first()
        # The same endpoint is the same browser: whoever signs in on it last receives its pushes.
        row = existing or PushSubscription(person_id=person_id, endpoint=endpoint, p256dh="", auth="")
        row.person_id = person_id
        row.p256dh = request.keys.p256dh.rstrip("=")
        row.auth = request.keys.auth.rstrip("=")
        row.language = request.language
        row.user_agent = user_agent[:255] if user_agent else None
        row.failures = 0
        db.add(row)
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            if attempt == 2:
                raise
            continue  # the browser posted twice at once and the other request stored it first: update that row
        public = PushSubscriptionPublic(id=row.id, endpoint=row.endpoint, created_at=row.created_at)  # type: ignore[arg-type]
        return public, existing is None
    raise AssertionError("unreachable")


async def unsubscribe(db: AsyncSession, *, person_id: int, endpoint: str) -> None:
    """Forget the person's subscription at ``endpoint``; anyone else's is left alone."""
    row = (
        await db.exec(
            select(PushSubscription).where(
                PushSubscription.endpoint == endpoint.strip(), PushSubscription.person_id == person_id
            )
        )
    ).first()
    if row is not None:
        await db.delete(row)
        await db.commit()


# --- preferences --------------------------------------------------------------------------------------------------


async def preferences(db: AsyncSession, *, person_id: int) -> NotificationPreferences:
    """The person's choices (defaults until they choose)."""
    row = await db.get(NotificationPreference, person_id)
    return NotificationPreferences(card_checked=row.card_checked if row else False)


async def set_preferences(
    db: AsyncSession, *, person_id: int, choices: NotificationPreferences
) -> NotificationPreferences:
    """Save the person's choices."""
    for attempt in (1, 2):
        row = await db.get(NotificationPreference, person_id) or NotificationPreference(person_id=person_id)
        row.card_checked = choices.card_checked
        row.updated_at = utcnow()
        db.add(row)
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            if attempt == 2:
                raise
            continue  # two first saves at once: update the row the other one made
        return NotificationPreferences(card_checked=row.card_checked)
    raise AssertionError("unreachable")


# --- event hooks --------------------------------------------------------------------------------------------------


_BROWSERS = (
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Cốc Cốc", re.compile(r"coc_coc_browser/")),
    ("Zalo", re.compile(r"Zalo")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/")),
    ("Safari", re.compile(r"Safari/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
)


def describe_device(user_agent: str | None) -> str:
    """A short, language-neutral name for a user agent: "Chrome · Android"; empty when nothing is known."""
    text = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(text)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(text)), None)
    return " · ".join(part for part in (browser, system) if part)


async def new_device_notice(db: AsyncSession, event: NewDeviceSignIn) -> None:
    """The citizen's notice of a sign-in from a new device (in the caller's transaction)."""
    await notify(
        db,
        person_id=event.person_id,
        kind=NotificationKind.NEW_DEVICE_SIGN_IN,
        dedupe_key=f"sign-in:{event.session_id}",
        params={"device": describe_device(event.user_agent), "signed_in_at": event.at.isoformat()},
        link="#/settings",
    )

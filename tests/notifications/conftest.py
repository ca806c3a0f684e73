"""Notification fixtures: signed-in citizens, inbox rows, a browser's push keys and a local push service."""

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.signing import b64url
from ansinh.identity.models import Account, Person
from ansinh.notifications.models import Notification, NotificationKind
from tests.cards.conftest import clinic, holder, primary_facility
from tests.factories import bearer_for, make_citizen

__all__ = ["clinic", "holder", "primary_facility"]  # the card fixtures the card-check notice tests use


@dataclass
class Citizen:
    account: Account
    person: Person
    headers: dict[str, str]


@pytest.fixture
async def me(db_session: AsyncSession, settings: Settings) -> Citizen:
    account, person = await make_citizen(db_session)
    return Citizen(account, person, bearer_for(settings, account))


@pytest.fixture
async def someone_else(db_session: AsyncSession, settings: Settings) -> Citizen:
    account, person = await make_citizen(db_session, full_name="Phạm Văn Đức", sex="M")
    return Citizen(account, person, bearer_for(settings, account))


async def add_notice(
    db: AsyncSession,
    person: Person,
    *,
    key: str,
    kind: NotificationKind = NotificationKind.CARD_EXPIRING,
    params: dict[str, Any] | None = None,
    link: str | None = "#/card",
    created_at: datetime | None = None,
) -> Notification:
    """An inbox row written straight to the database (committed)."""
    row = Notification(
        person_id=person.id,  # type: ignore[arg-type]
        kind=kind.value,
        dedupe_key=key,
        params=params if params is not None else {"serial": "T1", "valid_to": "2026-12-31"},
        link=link,
    )
    if created_at is not None:
        row.created_at = created_at
    db.add(row)
    await db.commit()
    return row


@dataclass
class Browser:
    """What a browser keeps for one push subscription: its ECDH key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription(self, endpoint: str, language: str = "vi") -> dict[str, Any]:
        """``PushSubscription.toJSON()`` plus the language, as the PWA posts it."""
        return {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
            "language": language,
        }


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """A push service on 127.0.0.1: records every POST and answers each path's configured status."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status = service.status.get(self.path, 201)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/push/redirected")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def to(self, name: str) -> list[Received]:
        return [r for r in self.received if r.path == f"/push/{name}"]


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


def payload_json(body: bytes) -> Any:
    return json.loads(body.decode())

"""Load drivers for the fault tests: clinic scans and confirmed household payments, every answer recorded."""

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ansinh.core.tokens import issue_access_token
from ansinh.demo.personas import CLINIC_CLIENT_ID, CLINIC_SECRET
from tests.reliability.support import SERVER_SECRET, problem_json

API = "/api/v1"
STAFF_PREFIX = "Kiểm thử viên"
STAFF_CITIZEN_ID = "001090000001"
REQUEST_TIMEOUT = 20.0  # an answer slower than this counts as a hang


@dataclass
class Outcome:
    """One request's answer: when it was sent, its status (0 = no answer) and what it carried."""

    sent_at: float
    status: int
    problem: dict[str, Any] | None = None
    body: Any = None
    error: str | None = None


@dataclass
class Scan(Outcome):
    staff_name: str = ""


@dataclass
class PaymentTrace:
    """Every attempt for one Idempotency-Key, and what the client ended up believing."""

    key: str
    creates: list[Outcome] = field(default_factory=list)
    confirms: list[Outcome] = field(default_factory=list)
    payment_id: int | None = None
    confirmed: bool = False


def citizen_headers(account_id: int) -> dict[str, str]:
    """A bearer token as the server (same secret) issues it; the sign-in ceremony is not under test here."""
    token, _ = issue_access_token(
        secret_key=SERVER_SECRET, issuer="http://localhost:8000", subject=str(account_id), role="citizen"
    )
    return {"Authorization": f"Bearer {token}"}


async def account_ids(engine: AsyncEngine, usernames: list[str]) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT username, id FROM account WHERE username = ANY(:names)"), {"names": usernames}
            )
        ).all()
    return {name: account_id for name, account_id in rows}


async def clinic_headers(client: httpx.AsyncClient) -> dict[str, str]:
    """The demo clinic's access token, through the real client-credentials grant."""
    response = await client.post(
        f"{API}/clinic/token",
        data={"grant_type": "client_credentials", "client_id": CLINIC_CLIENT_ID, "client_secret": CLINIC_SECRET},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def card_tokens(client: httpx.AsyncClient, citizens: list[dict[str, str]]) -> list[str]:
    """One online card token per citizen, as their apps would show it."""
    tokens = []
    for headers in citizens:
        response = await client.post(f"{API}/me/card/token", json={"kind": "online"}, headers=headers)
        assert response.status_code == 200, response.text
        tokens.append(response.json()["token"])
    return tokens


async def _send(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> tuple[Outcome, httpx.Response | None]:
    sent = time.monotonic()
    try:
        response = await client.request(method, url, timeout=REQUEST_TIMEOUT, **kwargs)
    except httpx.HTTPError as exc:
        return Outcome(sent, 0, error=f"{type(exc).__name__}: {exc}"), None
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Outcome(sent, response.status_code, problem=problem_json(response), body=body), response


class ScanLoad:
    """Clinic staff scanning card codes: each scan names a different staff member, so each is its own check."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], tokens: list[str]) -> None:
        self.client, self.headers, self.tokens = client, headers, tokens
        self.scans: list[Scan] = []
        self._numbers = itertools.count(1)

    def ok_since(self, moment: float) -> int:
        return sum(1 for s in self.scans if s.status == 200 and s.sent_at >= moment)

    def unavailable_since(self, moment: float) -> int:
        return sum(1 for s in self.scans if s.status == 503 and s.sent_at >= moment)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            number = next(self._numbers)
            staff = f"{STAFF_PREFIX} {number:06d}"
            outcome, _ = await _send(
                self.client,
                "POST",
                f"{API}/clinic/verify",
                json={
                    "token": self.tokens[number % len(self.tokens)],
                    "staff_name": staff,
                    "staff_citizen_id": STAFF_CITIZEN_ID,
                },
                headers=self.headers,
            )
            self.scans.append(Scan(**vars(outcome), staff_name=staff))
            if outcome.status != 200:
                await asyncio.sleep(0.1)  # a scanner backs off before the next patient


class PaymentLoad:
    """A household head paying household HI again and again: create (Idempotency-Key), then the provider confirms."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], label: str) -> None:
        self.client, self.headers, self.label = client, headers, label
        self.traces: list[PaymentTrace] = []

    def confirmed_since(self, moment: float) -> int:
        return sum(1 for t in self.traces if t.confirmed and t.confirms and t.confirms[-1].sent_at >= moment)

    async def _until_answered(self, stop: asyncio.Event, attempt: Callable[[], Any], log: list[Outcome]) -> Outcome:
        # A client retries what the server could not do (503, no answer) with the same request.
        while True:
            outcome, _ = await attempt()
            log.append(outcome)
            if outcome.status not in (0, 503) or stop.is_set():
                return outcome
            await asyncio.sleep(0.2)

    async def run(self, stop: asyncio.Event) -> None:
        for n in itertools.count(1):
            if stop.is_set():
                return
            trace = PaymentTrace(key=f"{self.label}-{n:04d}")
            self.traces.append(trace)
            if not await self._pay(stop, trace):
                return

    async def _pay(self, stop: asyncio.Event, trace: PaymentTrace) -> bool:
        """One payment, created then confirmed; False when the client has to give up."""
        created = await self._until_answered(
            stop,
            lambda: _send(
                self.client,
                "POST",
                f"{API}/households/mine/payments",
                json={"months": 3},
                headers={**self.headers, "Idempotency-Key": trace.key},
            ),
            trace.creates,
        )
        if created.status not in (200, 201):
            return False
        trace.payment_id = created.body["id"]
        confirmed = await self._until_answered(
            stop,
            lambda: _send(
                self.client,
                "POST",
                f"{API}/dev/payments/{trace.payment_id}/simulate",
                json={"outcome": "confirmed"},
                headers=self.headers,
            ),
            trace.confirms,
        )
        # 409 "already confirmed": an earlier attempt that got no answer did settle it
        trace.confirmed = (confirmed.status == 200 and confirmed.body.get("status") == "confirmed") or (
            confirmed.status == 409 and (confirmed.problem or {}).get("payment_status") == "confirmed"
        )
        return trace.confirmed


class ReadinessProbe:
    """Polls /health/ready like a load balancer does, recording each answer."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.answers: list[Outcome] = []

    def seen_since(self, status: int, moment: float) -> bool:
        return self.count_since(status, moment) > 0

    def count_since(self, status: int, moment: float) -> int:
        return sum(1 for a in self.answers if a.status == status and a.sent_at >= moment)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            outcome, _ = await _send(self.client, "GET", "/health/ready")
            self.answers.append(outcome)
            await asyncio.sleep(0.25)


async def wait_for(
    condition: Callable[[], bool], *, what: str, state: Callable[[], object] = str, limit_seconds: float = 90
) -> None:
    """Wait until ``condition`` holds; the limit only keeps a broken run from hanging forever."""
    deadline = time.monotonic() + limit_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for: {what}; seen: {state()}")
        await asyncio.sleep(0.1)

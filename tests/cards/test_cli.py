"""The staff CLI: `ansinh keys ensure|list|rotate` and `ansinh cards reissue|revoke|suspend|reinstate`.

The commands run `asyncio.run` in-process, so these tests are plain functions: async fixtures finish before the
body runs, and the body reads the database through its own short-lived engine.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import TypeVar

import pytest
from click.testing import CliRunner, Result
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.__main__ import cli
from ansinh.cards import keys
from ansinh.cards.models import CardSigningKey, CardStatus, HealthInsuranceCard
from ansinh.core.db import create_engine, session_factory
from ansinh.core.settings import Settings, get_settings
from ansinh.core.time import utcnow
from ansinh.identity.models import SecurityEvent
from tests.cards.conftest import CardHolder

T = TypeVar("T")
Invoke = Callable[..., Result]


@pytest.fixture
def invoke(settings: Settings) -> Iterator[Invoke]:
    """Run `ansinh ...` in-process against the test database, with the settings cache cleared around each call."""
    runner = CliRunner()
    env: dict[str, str | None] = {
        "ANSINH_ENV": "dev",
        "ANSINH_DATABASE_URL": settings.database_url,
        "ANSINH_SECRET_KEY": settings.secret_key,
        "ANSINH_SIGNING_KEY_ENCRYPTION_KEY": settings.signing_key_encryption_key,  # None unsets it
        "ANSINH_DB_ECHO": "false",
    }

    def _invoke(*args: str) -> Result:
        get_settings.cache_clear()
        try:
            return runner.invoke(cli, list(args), env=env)
        finally:
            get_settings.cache_clear()

    get_settings.cache_clear()
    yield _invoke
    get_settings.cache_clear()


def in_db(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in a fresh session on its own engine (no event loop is running in a sync test)."""

    async def _run() -> T:
        engine = create_engine(settings)
        try:
            async with session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(_run())


def key_states(settings: Settings) -> dict[str, str]:
    """kid → state of every signing key."""
    return {row.kid: row.state for row in in_db(settings, keys.list_keys)}


def kid_in(states: dict[str, str], state: str) -> str:
    """The single kid in ``state``."""
    (kid,) = [kid for kid, s in states.items() if s == state]
    return kid


def cards_of(settings: Settings, number: str) -> list[HealthInsuranceCard]:
    """Every card row with ``number``, oldest first."""

    async def work(db: AsyncSession) -> list[HealthInsuranceCard]:
        query = select(HealthInsuranceCard).where(HealthInsuranceCard.number == number)
        return list((await db.exec(query.order_by(col(HealthInsuranceCard.id)))).all())

    return in_db(settings, work)


def events_of(settings: Settings, account_id: int | None) -> list[SecurityEvent]:
    """The security events on ``account_id``."""

    async def work(db: AsyncSession) -> list[SecurityEvent]:
        query = select(SecurityEvent).where(SecurityEvent.account_id == account_id)
        return list((await db.exec(query.order_by(col(SecurityEvent.id)))).all())

    return in_db(settings, work)


def assert_clean_failure(result: Result, *fragments: str) -> None:
    """Exit code 1, every fragment in the message on stderr, and no traceback anywhere."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr


# --- keys ----------------------------------------------------------------------------------------------------------


def test_keys_list_shows_current_and_next_after_ensure(invoke: Invoke, settings: Settings) -> None:
    assert (empty := invoke("keys", "list")).exit_code == 0, empty.output
    assert "no signing keys yet" in empty.stdout

    ensured = invoke("keys", "ensure")
    assert ensured.exit_code == 0, ensured.output
    states = key_states(settings)
    assert sorted(states.values()) == ["current", "next"]
    assert f"current: {kid_in(states, 'current')}" in ensured.stdout

    listed = invoke("keys", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["kid", "state", "published", "activated", "retired", "verify_until"]
    rows = {line.split()[0]: line.split()[1] for line in lines[1:]}
    assert rows == states


def test_keys_ensure_is_idempotent(invoke: Invoke, settings: Settings) -> None:
    assert invoke("keys", "ensure").exit_code == 0
    first = key_states(settings)
    again = invoke("keys", "ensure")
    assert again.exit_code == 0, again.output
    assert key_states(settings) == first


def test_rotate_is_refused_while_the_next_key_is_young(invoke: Invoke, settings: Settings) -> None:
    assert invoke("keys", "ensure").exit_code == 0
    before = key_states(settings)
    next_row = next(row for row in in_db(settings, keys.list_keys) if row.state == "next")
    ready_at = (next_row.published_at + keys.JWKS_MAX_AGE).isoformat()

    result = invoke("keys", "rotate")

    assert_clean_failure(result, kid_in(before, "next"), f"rotation is allowed from {ready_at}", "--force")
    assert key_states(settings) == before


def test_forced_rotate_promotes_next_and_withdraws_the_compromised_key(invoke: Invoke, settings: Settings) -> None:
    assert invoke("keys", "ensure").exit_code == 0
    before = key_states(settings)
    old_current, old_next = kid_in(before, "current"), kid_in(before, "next")

    result = invoke("keys", "rotate", "--force")

    assert result.exit_code == 0, result.output
    assert "compromised" in result.stderr
    assert "unknown-kid" in result.stderr
    after = key_states(settings)
    new_next = kid_in(after, "next")
    assert (kid_in(after, "current"), kid_in(after, "retired")) == (old_next, old_current)
    assert new_next not in before
    for label, kid in (("retired", old_current), ("current", old_next), ("next", new_next)):
        assert f"{label}:" in result.stdout
        assert kid in result.stdout

    ring = in_db(settings, lambda db: keys.load_key_ring(db, kek_secret=settings.signing_kek_secret))
    assert ring.signing_kid == old_next
    assert [key["kid"] for key in ring.jwks["keys"]] == [old_next, new_next]


def test_rotate_without_force_once_the_next_key_is_old_enough(invoke: Invoke, settings: Settings) -> None:
    published = utcnow() - keys.JWKS_MAX_AGE - timedelta(minutes=1)
    in_db(settings, lambda db: keys.ensure_keys(db, kek_secret=settings.signing_kek_secret, now=published))
    old_next = kid_in(key_states(settings), "next")

    result = invoke("keys", "rotate")

    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no --force warning
    assert kid_in(key_states(settings), "current") == old_next

    row = in_db(settings, lambda db: _first_in_state(db, "retiring"))
    assert row is not None
    assert row.verify_until is not None
    assert row.verify_until.strftime("%Y-%m-%d %H:%M:%SZ") in result.stdout


async def _first_in_state(db: AsyncSession, state: str) -> CardSigningKey | None:
    """The first key row in ``state``."""
    return (await db.exec(select(CardSigningKey).where(CardSigningKey.state == state))).first()


# --- cards ---------------------------------------------------------------------------------------------------------


def test_reissue_gives_a_new_serial_and_revokes_the_old_card(
    invoke: Invoke, settings: Settings, holder: CardHolder
) -> None:
    old_serial = holder.card.serial

    result = invoke("cards", "reissue", holder.person.si_code, "--reason", "card lost on the bus")

    assert result.exit_code == 0, result.output
    rows = cards_of(settings, holder.card.number)
    live = [row for row in rows if row.status != CardStatus.REPLACED]
    assert len(live) == 1
    (old,) = [row for row in rows if row.serial == old_serial]
    assert old.status == CardStatus.REPLACED
    assert old.revoked_at is not None
    assert live[0].serial != old_serial
    assert old_serial in result.stdout
    assert live[0].serial in result.stdout

    (notice,) = [e for e in events_of(settings, holder.account.id) if e.kind == "card_reissued"]
    assert notice.detail["previous_serial"] == old_serial
    assert notice.detail["reason"] == "card lost on the bus"


def test_unknown_si_code_fails_cleanly(invoke: Invoke, settings: Settings, holder: CardHolder) -> None:
    for command in ("reissue", "revoke", "suspend", "reinstate"):
        result = invoke("cards", command, "0000000000", "--reason", "no such person")
        assert_clean_failure(result, "No card in force for this SI code.")
    assert [row.status for row in cards_of(settings, holder.card.number)] == [CardStatus.ACTIVE]


def test_reason_is_required(invoke: Invoke, holder: CardHolder) -> None:
    missing = invoke("cards", "reissue", holder.person.si_code)
    assert missing.exit_code == 2
    assert "--reason" in missing.stderr
    blank = invoke("cards", "revoke", holder.person.si_code, "--reason", "  ")
    assert blank.exit_code == 2
    assert "3 to 200" in blank.stderr


def test_suspend_reinstate_and_revoke(invoke: Invoke, settings: Settings, holder: CardHolder) -> None:
    si_code, number = holder.person.si_code, holder.card.number

    suspended = invoke("cards", "suspend", si_code, "--reason", "fraud check")
    assert suspended.exit_code == 0, suspended.output
    assert "now suspended" in suspended.stdout
    assert [row.status for row in cards_of(settings, number)] == [CardStatus.SUSPENDED]

    assert invoke("cards", "reinstate", si_code, "--reason", "check passed").exit_code == 0
    assert [row.status for row in cards_of(settings, number)] == [CardStatus.ACTIVE]
    assert_clean_failure(invoke("cards", "reinstate", si_code, "--reason", "again"), "already active")

    revoked = invoke("cards", "revoke", si_code, "--reason", "coverage ended")
    assert revoked.exit_code == 0, revoked.output
    assert [row.status for row in cards_of(settings, number)] == [CardStatus.WITHDRAWN]
    assert_clean_failure(invoke("cards", "reissue", si_code, "--reason", "too late"), "No card in force")

    kinds = [e.kind for e in events_of(settings, holder.account.id)]
    assert [k for k in kinds if k.startswith("card_")] == ["card_suspended", "card_reinstated", "card_revoked"]

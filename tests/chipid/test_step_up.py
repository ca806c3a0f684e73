"""Step-up for sensitive actions: a chip-verified account or a passkey sign-in from the last 15 minutes."""

from datetime import datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.errors import Forbidden
from ansinh.core.settings import Settings
from ansinh.core.time import utcnow
from ansinh.core.tokens import Principal
from ansinh.identity.guards import PASSKEY_COOLING_OFF, StepUpRequired, has_step_up, require_step_up
from ansinh.identity.models import Passkey
from tests.chipid.conftest import VERIFY, CardHolder, challenge, citizen_headers
from tests.factories import make_staff
from tests.support.problems import assert_problem

CONTACT = "/api/v1/me/contact"


def principal(amr: tuple[str, ...], minutes_ago: int | None) -> Principal:
    auth_time = utcnow() - timedelta(minutes=minutes_ago) if minutes_ago is not None else None
    return Principal(subject="1", role="citizen", amr=amr, auth_time=auth_time)


@pytest.mark.parametrize(
    ("amr", "minutes_ago", "level", "allowed"),
    [
        (("passkey",), 1, "basic", True),
        (("passkey",), 14, "basic", True),
        (("passkey",), 16, "basic", False),  # a stolen refresh token keeps the old sign-in time
        (("passkey",), None, "basic", False),
        (("pwd+otp",), 1, "basic", False),
        (("chip",), 1, "basic", False),
        (("pwd+otp",), 600, "chip_verified", True),
        ((), None, "chip_verified", True),
    ],
)
def test_the_step_up_rule(amr: tuple[str, ...], minutes_ago: int | None, level: str, allowed: bool) -> None:
    assert has_step_up(principal(amr, minutes_ago), level) is allowed
    if allowed:
        require_step_up(principal(amr, minutes_ago), level)
    else:
        with pytest.raises(StepUpRequired) as raised:
            require_step_up(principal(amr, minutes_ago), level)
        assert isinstance(raised.value, Forbidden)
        assert raised.value.extra == {"step_up": ["chip_id", "passkey"], "max_age": 900}


async def test_contact_change_needs_a_step_up_and_says_which(client: AsyncTestClient, card_holder: CardHolder) -> None:
    response = await client.patch(CONTACT, headers=card_holder.headers, json={"phone": "0987654321"})
    body = assert_problem(response, 403, "step-up-required")
    assert body["step_up"] == ["chip_id", "passkey"]
    assert body["max_age"] == 900
    assert "passkey" in body["detail"]
    assert (await client.get("/api/v1/dev/outbox", params={"to": "0987654321"})).json() == []


async def test_a_fresh_passkey_sign_in_allows_a_contact_change_and_an_old_one_does_not(
    client: AsyncTestClient, settings: Settings, card_holder: CardHolder
) -> None:
    fresh = citizen_headers(settings, card_holder.account, amr=["passkey"], auth_time=utcnow())
    assert (await client.patch(CONTACT, headers=fresh, json={"phone": "0987654321"})).status_code == 202
    old = citizen_headers(settings, card_holder.account, amr=["passkey"], auth_time=utcnow() - timedelta(minutes=16))
    assert_problem(await client.patch(CONTACT, headers=old, json={"phone": "0987654322"}), 403, "step-up-required")


async def test_verifying_the_chip_unlocks_the_contact_change(client: AsyncTestClient, card_holder: CardHolder) -> None:
    challenge_id, nonce = await challenge(client, card_holder.headers)
    verified = await client.post(
        VERIFY, headers=card_holder.headers, json=card_holder.chip.body(nonce=nonce, challenge_id=challenge_id)
    )
    assert verified.status_code == 200, verified.text
    # The same password+OTP token that was refused before now passes.
    response = await client.patch(CONTACT, headers=card_holder.headers, json={"email": "lan@example.vn"})
    assert response.status_code == 202, response.text


async def test_staff_and_clinics_meet_the_guard_too(
    client: AsyncTestClient, settings: Settings, db_session: AsyncSession
) -> None:
    staff = citizen_headers(settings, await make_staff(db_session))
    assert_problem(await client.patch(CONTACT, headers=staff, json={"phone": "0987654321"}), 403, "step-up-required")
    assert_problem(await client.patch(CONTACT, json={"phone": "0987654321"}), 401, "unauthenticated")


async def add_passkey(db: AsyncSession, account_id: int, name: str, *, age: timedelta = timedelta(days=30)) -> Passkey:
    """A passkey enrolled ``age`` ago (a month by default: past the cooling-off)."""
    passkey = Passkey(
        account_id=account_id,
        credential_id=name.encode(),
        public_key=b"\x00",
        name=name,
        created_at=utcnow() - age,
    )
    db.add(passkey)
    await db.commit()
    return passkey


async def test_removing_the_last_passkey_needs_a_step_up(
    client: AsyncTestClient, settings: Settings, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    account_id = card_holder.account.id
    assert account_id is not None
    first = await add_passkey(db_session, account_id, "Phone")
    second = await add_passkey(db_session, account_id, "Laptop")
    # While another passkey remains, a password+OTP session may remove one.
    assert (await client.delete(f"/api/v1/me/passkeys/{first.id}", headers=card_holder.headers)).status_code == 204
    last = await client.delete(f"/api/v1/me/passkeys/{second.id}", headers=card_holder.headers)
    assert assert_problem(last, 403, "step-up-required")["step_up"] == ["chip_id", "passkey"]
    listed = (await client.get("/api/v1/me/passkeys", headers=card_holder.headers)).json()
    assert [p["name"] for p in listed] == ["Laptop"]
    card_holder.account.assurance_level = "chip_verified"
    db_session.add(card_holder.account)
    await db_session.commit()
    assert (await client.delete(f"/api/v1/me/passkeys/{second.id}", headers=card_holder.headers)).status_code == 204
    assert (await client.get("/api/v1/me/passkeys", headers=card_holder.headers)).json() == []


async def test_a_passkey_enrolled_in_the_last_day_cannot_step_up_until_the_cooling_off_ends(
    client: AsyncTestClient, settings: Settings, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    """Whoever stole a password and a code can enrol their own passkey: it must not unlock the contact change."""
    account_id = card_holder.account.id
    assert account_id is not None
    await add_passkey(db_session, account_id, "Phone", age=timedelta(days=30))
    thief = await add_passkey(db_session, account_id, "Thief", age=timedelta(hours=1))
    fresh = citizen_headers(settings, card_holder.account, amr=["passkey"], auth_time=utcnow())
    refused = assert_problem(
        await client.patch(CONTACT, headers=fresh, json={"phone": "0987654321"}), 403, "step-up-required"
    )
    assert refused["step_up"] == ["chip_id"]  # until then only the chip will do
    usable_from = datetime.fromisoformat(refused["passkey_usable_from"])
    assert usable_from == thief.created_at + PASSKEY_COOLING_OFF
    thief.created_at = utcnow() - timedelta(hours=25)
    db_session.add(thief)
    await db_session.commit()
    assert (await client.patch(CONTACT, headers=fresh, json={"phone": "0987654321"})).status_code == 202


def test_the_cooling_off_is_a_day() -> None:
    fresh = principal(("passkey",), 1)
    assert has_step_up(fresh, "basic", newest_passkey_at=utcnow() - timedelta(hours=23)) is False
    assert has_step_up(fresh, "basic", newest_passkey_at=utcnow() - timedelta(hours=24, minutes=1)) is True
    assert has_step_up(fresh, "chip_verified", newest_passkey_at=utcnow()) is True

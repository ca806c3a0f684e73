"""The authorisation matrix's world: seven callers and resources of citizen A for every path parameter."""

import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.core.settings import Settings
from ansinh.core.signing import b64url
from ansinh.core.time import utcnow
from ansinh.core.tokens import verify_access_token
from ansinh.households.models import ConsentState, Household, HouseholdMember, Relation
from ansinh.identity.models import Account, Passkey, Person, SignInMethod
from ansinh.identity.sessions import start_session
from ansinh.notifications.models import Notification, NotificationKind
from tests.factories import (
    clinic_bearer_for,
    make_card,
    make_citizen,
    make_clinic_client,
    make_person,
    make_staff,
)
from tests.households.conftest import Family, FamilyBuilder, builder, family
from tests.notifications.conftest import Browser
from tests.records.conftest import make_employer, make_period, make_visit
from tests.support import chip_pki

__all__ = ["builder", "family"]

ANONYMOUS = "anonymous"
CITIZEN_A = "citizen_a"
CITIZEN_B = "citizen_b"
HEAD = "household_head"
NO_CONSENT = "member_without_consent"
CLINIC = "clinic"
STAFF = "staff"
CALLERS = (ANONYMOUS, CITIZEN_A, CITIZEN_B, HEAD, NO_CONSENT, CLINIC, STAFF)

CLINIC_CLIENT_ID = "clinic-authz"
A_BIRTH = date(1991, 7, 9)
NEW_PERSON_BIRTH = date(1995, 2, 14)
PAYMENT_KEY = "authz-world-payment"
CHECKING_STAFF = {"staff_name": "Lê Thị Y Tá", "staff_citizen_id": "001190000123"}
# Words found only in A's records: another caller's contributions, visits or export must never show them.
A_EMPLOYER = "Công ty TNHH Chỉ Của A"
A_DIAGNOSIS = "Chẩn đoán chỉ của A"


@dataclass
class World:
    """Who calls (headers per caller) and what of A's the path parameters point at."""

    headers: dict[str, dict[str, str]]  # per caller; {} for the anonymous one
    a: Person
    path_values: dict[str, Any]  # A's resources (and the invitee's invitation), by path-parameter name
    a_card_token: str
    a_push_endpoint: str
    newcomers: dict[str, Person]  # per head: a registered person in no household, whom that head may add
    card_facts: dict[str, dict[str, str]]  # per citizen: their card as printed (number, name, birth date)

    def a_secrets(self) -> list[str]:
        """What identifies A, or is in A's records only, and must reach nobody A did not share it with."""
        a = self.a
        return [v for v in (a.si_code, a.citizen_id, a.full_name, a.phone, a.email, A_EMPLOYER, A_DIAGNOSIS) if v]


@pytest.fixture(scope="session")
def csca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trust store with one test CSCA, so the chip-ID routes answer (a malformed chip is a 422, not a 503)."""
    folder = tmp_path_factory.mktemp("authz-csca")
    (folder / "csca-vn.pem").write_bytes(chip_pki.make_csca().pem)
    return folder


@pytest.fixture
def settings(settings: Settings, csca_dir: Path) -> Settings:
    """The shared dev test settings with push and chip ID configured, so no route answers 503 for being off."""
    return settings.model_copy(update={"vapid_private_key": SecretStr(b64url(b"\x07" * 32)), "csca_path": csca_dir})


async def _signed_in(db: AsyncSession, settings: Settings, account: Account, user_agent: str) -> tuple[str, str]:
    """A real session opened by a passkey sign-in just now; returns its access token and session id.

    A fresh passkey sign-in passes the recent-sign-in and step-up checks, so a 403 in the matrix is always about
    who the caller is, never about how long ago they signed in (tests/chipid/test_step_up.py covers that).
    """
    context = RequestContext(ip="127.0.0.1", user_agent=user_agent)
    pair = await start_session(db, settings=settings, account=account, amr=SignInMethod.PASSKEY, context=context)
    principal = verify_access_token(pair.access_token, secret_key=settings.secret_key, issuer=settings.public_url)
    assert principal.session_id is not None
    return pair.access_token, principal.session_id


async def _api(client: AsyncTestClient[Litestar], method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    response = await client.request(method, f"/api/v1{path}", headers=headers, **kw)
    assert response.status_code in (200, 201), f"world set-up: {method} {path}: {response.text}"
    return response.json()


async def _own_household(db: AsyncSession, head: Person, code: str) -> None:
    household = Household(code=code, address="7 Nguyễn Huệ, Quận 1", province_code="79", head_person_id=head.id)  # type: ignore[arg-type]
    db.add(household)
    await db.commit()
    db.add(HouseholdMember(household_id=household.id, person_id=head.id, relation=Relation.HEAD, enrolment_order=1))  # type: ignore[arg-type]
    await db.commit()


def _card_facts(person: Person) -> dict[str, str]:
    return {"card_number": person.si_code, "full_name": person.full_name, "date_of_birth": str(person.date_of_birth)}


@pytest.fixture
async def world(
    db_session: AsyncSession,
    settings: Settings,
    client: AsyncTestClient[Litestar],
    family: Family,
    builder: FamilyBuilder,
) -> World:
    """A, a consenting adult in the head's household; an invitee who has not consented; B, heading a household
    of their own with no link to A; a clinic; staff. Each signed in; A with another session, passkeys, a notice,
    an application, a push subscription, a card token, a contribution period and a medical visit; the head with
    a pending payment."""
    db = db_session
    long_valid = date(2099, 12, 31)
    a = await builder.add(
        "Đỗ Thị Riêng Tư",
        born=A_BIRTH,
        relation=Relation.SPOUSE,
        consent=ConsentState.GIVEN,
        group="DN",
        valid_to=long_valid,
        with_account=True,
    )
    invitee = await builder.add(
        "Hoàng Văn Chưa Đồng Ý",
        born=date(1988, 1, 20),
        relation=Relation.SIBLING,
        consent=ConsentState.PENDING,
        valid_to=long_valid,
        with_account=True,
    )
    # A child on household HI: someone the head's payment is for.
    await builder.add("Đỗ Minh Con", born=date(2015, 6, 1), relation=Relation.CHILD, group="GD")
    b_account, b = await make_citizen(db, full_name="Phạm Văn Người Lạ", sex="M")
    await make_card(db, person=b, facility=family.facility, valid_to=long_valid)
    # B heads a household too, so B's calls with the ids of A's household meet the object check, and not merely
    # "you have no household".
    await _own_household(db, b, "HGD79TEST0002")
    newcomers = {
        caller: await make_person(db, full_name=f"Trịnh Thị Mới Đến {n}", date_of_birth=NEW_PERSON_BIRTH)
        for n, caller in enumerate((HEAD, CITIZEN_B), start=1)
    }
    staff = await make_staff(db, username="staff.authz")
    clinic_client, clinic_facility = await make_clinic_client(
        db, client_id=CLINIC_CLIENT_ID, code="48001", name="Bệnh viện Đà Nẵng", province_code="48"
    )
    assert a.account is not None
    assert a.card is not None
    assert invitee.account is not None
    assert family.head.account is not None

    headers = {ANONYMOUS: {}, CLINIC: clinic_bearer_for(settings, clinic_client, clinic_facility)}
    accounts = {CITIZEN_A: a.account, CITIZEN_B: b_account, HEAD: family.head.account, NO_CONSENT: invitee.account}
    for name, account in {**accounts, STAFF: staff}.items():
        token, _ = await _signed_in(db, settings, account, user_agent="authz-matrix")
        headers[name] = {"Authorization": f"Bearer {token}"}
    # A's phone, another device: the session "sign out a device" targets (its sign-in leaves A a notice too).
    _, a_phone_session = await _signed_in(db, settings, a.account, user_agent="A's phone")

    passkeys = [
        Passkey(
            account_id=a.account.id,  # type: ignore[arg-type]
            credential_id=os.urandom(32),
            public_key=os.urandom(77),
            name=f"A key {n}",
            created_at=utcnow() - timedelta(days=30),  # past the step-up cooling-off, like a passkey in daily use
        )
        for n in (1, 2)  # two: removing one is never "the last passkey" (a step-up rule, not an access rule)
    ]
    notice = Notification(
        person_id=a.person.id,  # type: ignore[arg-type]
        kind=NotificationKind.CARD_EXPIRING.value,
        dedupe_key=f"authz-{uuid.uuid4().hex}",
        params={"serial": a.card.serial, "valid_to": str(long_valid)},
        link="#/card",
    )
    db.add_all([*passkeys, notice])
    await db.commit()
    employer = await make_employer(db, name=A_EMPLOYER)
    await make_period(db, a.person.id, employer_id=employer.id)  # type: ignore[arg-type]
    await make_visit(db, a.person.id, family.facility.id, icd10_name=A_DIAGNOSIS)  # type: ignore[arg-type]

    a_headers = headers[CITIZEN_A]
    reissue = {"kind": "card_reissue", "details": {"reason": "lost"}}
    application = await _api(client, "POST", "/me/applications", a_headers, json=reissue)
    card_token = (await _api(client, "POST", "/me/card/token", a_headers, json={"kind": "online"}))["token"]
    endpoint = f"https://push.example.net/send/a-{uuid.uuid4().hex}"
    await _api(client, "POST", "/me/push-subscriptions", a_headers, json=Browser().subscription(endpoint))
    pay_headers = {**headers[HEAD], "Idempotency-Key": PAYMENT_KEY}
    payment = await _api(client, "POST", "/households/mine/payments", pay_headers, json={"months": 12})

    return World(
        headers=headers,
        a=a.person,
        path_values={
            "session_id": a_phone_session,
            "passkey_id": passkeys[0].id,
            "application_id": application["id"],
            "notification_id": notice.id,
            "member_id": a.member.id,
            "invitation_id": invitee.member.id,
            "payment_id": payment["id"],
            "number": a.card.number,
            "username": "99999_BV",  # no gateway account in this world
            "staff_id": "no-such-staff-member",  # only a facility admin reaches the list (tests/clinics/test_staff.py)
            "code": employer.code,  # A's employer: its routes are for its HR clerks and software only
            "batch_id": 1,  # a declaration: only those acting for the employer reach it (tests/employers)
        },
        a_card_token=card_token,
        a_push_endpoint=endpoint,
        newcomers=newcomers,
        card_facts={
            CITIZEN_A: _card_facts(a.person),
            CITIZEN_B: _card_facts(b),
            HEAD: _card_facts(family.head.person),
            NO_CONSENT: _card_facts(invitee.person),
        },
    )

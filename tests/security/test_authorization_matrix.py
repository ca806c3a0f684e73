"""Authorisation matrix: every route of the app x seven kinds of caller, against a rule table written by hand.

The routes come from Litestar's route table, so a route added without a rule fails here by name. Each rule says
who may call the route; every other caller must be turned away (401 anonymous, 403 wrong role, 403/404 for
someone else's object), and nobody but A (and those A shares with) may read A's personal data in a 2xx body.
See docs/RELIABILITY.md, "Authorisation matrix".
"""

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.applications.models import ApplicationStatus, ServiceApplication
from ansinh.core.settings import Settings
from ansinh.core.time import today_vn
from ansinh.households.models import ConsentState, HouseholdMember
from ansinh.identity.models import AuthSession, Passkey
from ansinh.notifications.models import Notification, PushSubscription
from tests.conftest import TEST_SECRET
from tests.factories import DEFAULT_PASSWORD
from tests.notifications.conftest import Browser
from tests.security.conftest import (
    A_DIAGNOSIS,
    A_EMPLOYER,
    ANONYMOUS,
    CALLERS,
    CHECKING_STAFF,
    CITIZEN_A,
    CITIZEN_B,
    CLINIC,
    CLINIC_CLIENT_ID,
    HEAD,
    NEW_PERSON_BIRTH,
    NO_CONSENT,
    PAYMENT_KEY,
    STAFF,
    World,
)

API = "/api/v1"
DEV_PREFIX = f"{API}/dev/"
STRONG = "a-strong-production-secret-0123456789abcdef"

# --- who -----------------------------------------------------------------------------------------------------------

ANYONE = frozenset(CALLERS)
NOBODY: frozenset[str] = frozenset()
CITIZENS = frozenset({CITIZEN_A, CITIZEN_B, HEAD, NO_CONSENT})
ACCOUNTS = CITIZENS | {STAFF}  # requires_account: a person signed in, never a clinic
ONLY_A = frozenset({CITIZEN_A})
ONLY_HEAD = frozenset({HEAD})
ONLY_STAFF = frozenset({STAFF})
ONLY_CLINIC = frozenset({CLINIC})
HEADS = frozenset({HEAD, CITIZEN_B})  # B heads a household of their own, with no link to A
MEMBERS = HEADS | {CITIZEN_A}  # who belongs to a household (the invitee has not consented yet)


# --- what each caller sends ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """A plausible request; path parameters are filled from ``World.path_values`` by name."""

    params: dict[str, Any] | None = None
    json: Any = None
    data: dict[str, str] | None = None  # a form body
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    path: str | None = None  # a concrete path instead of the template (static files, the docs catch-all)


CallFor = Call | Callable[[World, str], Call]
# Statements the database: True while A's resource is as it was (no one but its owner changed or removed it).
Intact = Callable[[World, AsyncSession], Awaitable[bool]]


@dataclass(frozen=True)
class Rule:
    """Who may call a route, what a plausible request is, and who may read A's personal data from it."""

    allow: frozenset[str]
    why: str
    call: CallFor = Call()
    # Callers the route's guard lets through (default: ``allow``). Outside it a caller gets 403; inside it but not
    # allowed, the object or a rule of the domain turns them away: 404 (not yours, not found) or 403.
    reach: frozenset[str] | None = None
    # Allowed callers whose plausible request must succeed (2xx/3xx); None: every allowed caller. Denials mean
    # something only when the owner's identical request works.
    ok: frozenset[str] | None = None
    sees_a: frozenset[str] = NOBODY  # besides A: who may get A's SI code, ID, name, phone or e-mail in a 2xx
    # The national gateway's routes for hospital software: their own session headers (accessToken, tokenId,
    # passwordHash), never a bearer token, and the gateway's JSON answers (maKetQua), not problem+json.
    gateway: bool = False
    gateway_status: int = 401  # the HTTP status of the gateway's 401 (its card check answers HTTP 200 whatever)
    # The body carries credentials (password, code, refresh token, signature): a bad one is a 401 that is not the
    # bearer token's (no ``WWW-Authenticate: Bearer``), alike for every caller.
    credentials: bool = False
    dev_only: bool = False  # mounted only when ANSINH_ENV=dev
    intact: tuple[Intact, str] | None = None  # (check, the first caller allowed to change A's resource)


# --- checks that A's objects survived other callers ----------------------------------------------------------------


async def _passkey_unchanged(world: World, db: AsyncSession) -> bool:
    name = (await db.exec(select(Passkey.name).where(Passkey.id == world.path_values["passkey_id"]))).first()
    return name == "A key 1"


async def _phone_session_live(world: World, db: AsyncSession) -> bool:
    session_id = world.path_values["session_id"]
    revoked = (await db.exec(select(AuthSession.revoked_at).where(AuthSession.id == session_id))).all()
    return revoked == [None]


async def _notice_unread(world: World, db: AsyncSession) -> bool:
    notice_id = world.path_values["notification_id"]
    read_at = (await db.exec(select(Notification.read_at).where(Notification.id == notice_id))).all()
    return read_at == [None]


async def _a_subscribed(world: World, db: AsyncSession) -> bool:
    owners = (
        await db.exec(select(PushSubscription.person_id).where(PushSubscription.endpoint == world.a_push_endpoint))
    ).all()
    return owners == [world.a.id]


async def _a_is_member(world: World, db: AsyncSession) -> bool:
    member_id = world.path_values["member_id"]
    consent = (await db.exec(select(HouseholdMember.consent).where(HouseholdMember.id == member_id))).all()
    return consent == [ConsentState.GIVEN]


async def _invitation_pending(world: World, db: AsyncSession) -> bool:
    member_id = world.path_values["invitation_id"]
    consent = (await db.exec(select(HouseholdMember.consent).where(HouseholdMember.id == member_id))).all()
    return consent == [ConsentState.PENDING]


async def _application_open(world: World, db: AsyncSession) -> bool:
    app_id = world.path_values["application_id"]
    status = (await db.exec(select(ServiceApplication.status).where(ServiceApplication.id == app_id))).all()
    return status == [ApplicationStatus.SUBMITTED]


# --- request builders that depend on the caller --------------------------------------------------------------------


def _wrong_login(_: World, caller: str) -> Call:
    # One unknown username per caller: five failures on one name lock it (a 429 by design, counted by name).
    return Call(json={"username": f"unknown-{caller}", "password": "not-the-password"})


def _new_contact(_: World, caller: str) -> Call:
    return Call(json={"email": f"new-{caller.replace('_', '-')}@example.vn"})


def _own_push_endpoint(_: World, caller: str) -> Call:
    endpoint = f"https://push.example.net/send/{caller}"
    return Call(json=Browser().subscription(endpoint))


def _card_lookup(world: World, caller: str) -> Call:
    # Each citizen asks about their own card, the rest about A's: the per-card limit (5 in 10 minutes) is not hit.
    return Call(json=world.card_facts.get(caller, world.card_facts[CITIZEN_A]))


def _a_card_token(world: World, _: str) -> Call:
    return Call(params={"token": world.a_card_token})


def _verify_a_card(world: World, _: str) -> Call:
    return Call(json={"token": world.a_card_token, **CHECKING_STAFF})


def _lookup_a(world: World, _: str) -> Call:
    a = world.a
    return Call(
        json={
            "citizen_id": a.citizen_id,
            "full_name": a.full_name,
            "date_of_birth": str(a.date_of_birth),
            **CHECKING_STAFF,
        }
    )


def _add_newcomer(world: World, caller: str) -> Call:
    newcomer = world.newcomers.get(caller, world.newcomers[HEAD])
    return Call(json={"si_code": newcomer.si_code, "date_of_birth": str(NEW_PERSON_BIRTH), "relation": "other"})


def _exemption(_: World, __: str) -> Call:
    # Today: on or after A's card's date of 5 continuous years (2025-01-01), within the certificate's year.
    return Call(json={"exempt_from": today_vn().isoformat(), "reason": "GCN số 1/2026"})


def _unsubscribe_a(world: World, _: str) -> Call:
    return Call(params={"endpoint": world.a_push_endpoint})


CHIP_FILES = {"sod": "AAAA", "dg1": "AAAA", "dg13": "AAAA"}  # base64 of three zero bytes: no chip says that
BOGUS_CHALLENGE = {"challenge_id": "no-such-challenge-0001", "code": "123456"}
NEW_PASSWORD = "Another-Horse-77"

# --- the rule table ------------------------------------------------------------------------------------------------
# Keyed "METHOD /path/{param}" exactly as Litestar's route table names it. A new route needs a line here.


# A check-in/claim form as hospital software posts it (the file itself does not matter: nobody here has a session).
_qd130_form = Call(
    data={"username": "01001_BV", "loaiHoSo": "130", "maTinh": "01", "maCSKCB": "01001", "fileHSBase64": "PEEvPg=="},
    headers={"accessToken": "a", "tokenId": "b", "passwordHash": "c"},
)

RULES: dict[str, Rule] = {
    # identity: sign-in and recovery are public; the body's credentials decide, not the caller's token
    f"POST {API}/auth/login": Rule(
        ANYONE, "sign-in: wrong credentials are 401 whoever sends them", _wrong_login, ok=NOBODY, credentials=True
    ),
    f"POST {API}/auth/otp": Rule(
        ANYONE,
        "second factor: an unknown challenge is refused alike for all",
        Call(json=BOGUS_CHALLENGE),
        ok=NOBODY,
        credentials=True,
    ),
    f"POST {API}/auth/refresh": Rule(
        ANYONE,
        "the refresh token is the credential",
        Call(json={"refresh_token": "x" * 43}),
        ok=NOBODY,
        credentials=True,
    ),
    f"POST {API}/auth/activate": Rule(
        ANYONE,
        "activation starts from registry facts; the same 202 whether they match or not",
        Call(json={"si_code": "7900000000", "citizen_id": "079000000000", "date_of_birth": "1990-01-01"}),
    ),
    f"POST {API}/auth/activate/confirm": Rule(
        ANYONE,
        "the code is the credential",
        Call(json={**BOGUS_CHALLENGE, "password": NEW_PASSWORD}),
        ok=NOBODY,
        credentials=True,
    ),
    f"POST {API}/auth/password/reset": Rule(
        ANYONE,
        "forgotten password: the same 202 for known and unknown usernames",
        Call(json={"username": "0000000000"}),
    ),
    f"POST {API}/auth/password/reset/confirm": Rule(
        ANYONE,
        "the code is the credential",
        Call(json={**BOGUS_CHALLENGE, "password": NEW_PASSWORD}),
        ok=NOBODY,
        credentials=True,
    ),
    f"POST {API}/auth/logout": Rule(ACCOUNTS, "ends the caller's own session"),
    f"POST {API}/auth/password": Rule(
        ACCOUNTS,
        "changes the caller's own password (the current one required)",
        Call(json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}),
    ),
    f"POST {API}/auth/passkeys/authentication/options": Rule(ANYONE, "usernameless passkey sign-in starts anonymously"),
    f"POST {API}/auth/passkeys/authentication": Rule(
        ANYONE,
        "the assertion is the credential",
        Call(json={"ceremony_id": "no-such-ceremony", "credential": {}}),
        ok=NOBODY,
        credentials=True,
    ),
    f"POST {API}/auth/passkeys/registration/options": Rule(ACCOUNTS, "enrols a passkey on the caller's own account"),
    f"POST {API}/auth/passkeys/registration": Rule(
        ACCOUNTS,
        "an unknown ceremony is a 4xx for a signed-in caller",
        Call(json={"ceremony_id": "no-such-ceremony", "credential": {}}),
        ok=NOBODY,
    ),
    f"POST {API}/auth/activate/chip-id/challenge": Rule(
        ANYONE, "a nonce is issued alike whether or not the SI code exists", Call(json={"si_code": "7900000000"})
    ),
    f"POST {API}/auth/activate/chip-id": Rule(
        ANYONE,
        "the chip is the credential: a malformed one is refused alike for all",
        Call(json={**CHIP_FILES, "si_code": "7900000000", "password": NEW_PASSWORD}),
        ok=NOBODY,
        credentials=True,
    ),
    # identity: the signed-in account's own things (staff have accounts too; clinics do not)
    f"GET {API}/me": Rule(ACCOUNTS, "the caller's own profile"),
    f"PATCH {API}/me/contact": Rule(
        ACCOUNTS,
        "changes the caller's own contact (with a step-up, which a fresh passkey sign-in gives)",
        _new_contact,
        ok=CITIZENS,
    ),
    f"POST {API}/me/contact/confirm": Rule(
        ACCOUNTS,
        "the code is the credential: a wrong one is 401 for the signed-in caller",
        Call(json=BOGUS_CHALLENGE),
        ok=NOBODY,
        credentials=True,
    ),
    f"GET {API}/me/sessions": Rule(ACCOUNTS, "the caller's own devices"),
    f"DELETE {API}/me/sessions/{{session_id}}": Rule(
        ONLY_A,
        "signs out one of A's devices; another account's session id is 404",
        reach=ACCOUNTS,
        intact=(_phone_session_live, CITIZEN_A),
    ),
    f"GET {API}/me/security-events": Rule(ACCOUNTS, "the caller's own security log"),
    f"GET {API}/me/passkeys": Rule(ACCOUNTS, "the caller's own passkeys"),
    f"PATCH {API}/me/passkeys/{{passkey_id}}": Rule(
        ONLY_A,
        "renames A's passkey; anyone else's id is 404",
        Call(json={"name": "renamed"}),
        reach=ACCOUNTS,
        intact=(_passkey_unchanged, CITIZEN_A),
    ),
    f"DELETE {API}/me/passkeys/{{passkey_id}}": Rule(
        ONLY_A,
        "removes A's passkey; anyone else's id is 404",
        reach=ACCOUNTS,
        intact=(_passkey_unchanged, CITIZEN_A),
    ),
    # records: the caller's own, whatever the request says
    f"GET {API}/me/contributions": Rule(CITIZENS, "the caller's own contribution history"),
    f"GET {API}/me/contributions/months": Rule(CITIZENS, "the caller's own ledger"),
    f"GET {API}/me/benefits": Rule(CITIZENS, "the caller's own benefits"),
    f"GET {API}/me/estimates": Rule(CITIZENS, "estimates from the caller's own records"),
    f"GET {API}/me/medical-visits": Rule(CITIZENS, "the caller's own visits"),
    f"GET {API}/me/copayment": Rule(CITIZENS, "the caller's own co-payments against the cap"),
    f"GET {API}/me/contributions.pdf": Rule(CITIZENS, "the caller's own passbook"),
    f"GET {API}/me/export": Rule(CITIZENS, "a copy of the caller's own data"),
    # cards
    f"GET {API}/me/card": Rule(CITIZENS, "the caller's own card"),
    f"GET {API}/me/card/checks": Rule(CITIZENS, "who checked the caller's own card"),
    f"POST {API}/me/card/token": Rule(CITIZENS, "a token of the caller's own card", Call(json={"kind": "online"})),
    f"GET {API}/me/card/qr.svg": Rule(
        ONLY_A,
        "draws only a token of the caller's own card: A's token is 403 for any other citizen",
        _a_card_token,
        reach=CITIZENS,
    ),
    f"GET {API}/me/card/qr.png": Rule(
        ONLY_A,
        "draws only a token of the caller's own card: A's token is 403 for any other citizen",
        _a_card_token,
        reach=CITIZENS,
    ),
    f"POST {API}/staff/cards/{{number}}/reissue": Rule(
        ONLY_STAFF, "staff action on any card", Call(json={"reason": "lost at the market"}), sees_a=ONLY_STAFF
    ),
    f"POST {API}/staff/gateway-accounts/{{username}}/password": Rule(
        ONLY_STAFF,
        "staff set a facility's gateway password (the world has no gateway account: 404; tests/gateway covers it)",
        Call(json={"password": "A-new-gateway-secret"}),
        ok=NOBODY,
    ),
    f"POST {API}/staff/cards/{{number}}/co-payment-exemption": Rule(
        ONLY_STAFF,
        "staff record the certificate of no co-payment with any card",
        _exemption,
        sees_a=ONLY_STAFF,
    ),
    f"POST {API}/staff/cards/{{number}}/revoke": Rule(
        ONLY_STAFF, "staff action on any card", Call(json={"reason": "fraud report"}), sees_a=ONLY_STAFF
    ),
    # The registered checking staff: a facility admin's alone (none of these callers is one); the clinic's machine
    # credential cannot change the list. tests/clinics/test_staff.py covers the admin and a foreign facility's admin.
    f"GET {API}/clinic/staff": Rule(NOBODY, "a facility admin's list of checking staff"),
    f"POST {API}/clinic/staff": Rule(
        NOBODY,
        "a facility admin registers checking staff",
        Call(json={"full_name": "Trần Văn Bình", "citizen_id": "001090012345"}),
    ),
    f"DELETE {API}/clinic/staff/{{staff_id}}": Rule(NOBODY, "a facility admin removes checking staff"),
    # Disputes of a facility's visits: its admin's alone, like the staff list (none of these callers is one).
    # tests/applications/test_disputes_api.py covers the admin, another facility's admin and the clinic credential.
    f"GET {API}/clinic/visit-disputes": Rule(NOBODY, "a facility admin's disputes of its visits"),
    f"GET {API}/clinic/visit-disputes/{{application_id}}": Rule(NOBODY, "a dispute of one of the admin's visits"),
    f"POST {API}/clinic/visit-disputes/{{application_id}}/responses": Rule(
        NOBODY, "a facility admin answers a dispute of its visit", Call(json={"text": "Đã kiểm tra hồ sơ."})
    ),
    f"POST {API}/staff/cards/{{number}}/decrease": Rule(
        ONLY_STAFF,
        "staff action on any card",
        Call(json={"reason": "left the employer", "decrease_reason": "stopped"}),
        sees_a=ONLY_STAFF,
    ),
    f"POST {API}/staff/cards/{{number}}/suspend": Rule(
        ONLY_STAFF, "staff action on any card", Call(json={"reason": "under review"}), sees_a=ONLY_STAFF
    ),
    f"POST {API}/staff/cards/{{number}}/reinstate": Rule(
        ONLY_STAFF,
        "staff action on any card (an active card cannot be reinstated: 409)",
        Call(json={"reason": "review closed"}),
        ok=NOBODY,
        sees_a=ONLY_STAFF,
    ),
    "GET /.well-known/jwks.json": Rule(ANYONE, "public keys for offline card checks"),
    # clinics
    f"POST {API}/clinic/token": Rule(
        ANYONE,
        "client credentials are the credential: a wrong secret is 401 for all",
        Call(data={"grant_type": "client_credentials", "client_id": CLINIC_CLIENT_ID, "client_secret": "wrong"}),
        ok=NOBODY,
        credentials=True,
    ),
    f"POST {API}/clinic/verify": Rule(
        ONLY_CLINIC,
        "a facility checks a scanned card: it sees the card it scanned",
        _verify_a_card,
        sees_a=ONLY_CLINIC,
    ),
    "POST /api/token/take": Rule(
        ANYONE,
        "the gateway's sign-in: wrong credentials answer maKetQua 401 (HTTP 200) whoever sends them",
        Call(json={"username": "01001_BV", "password": "0" * 32}),
        ok=NOBODY,
        credentials=True,
    ),
    "POST /api/egw/KQNhanLichSuKCB2024": Rule(
        NOBODY,
        "hospital software with a gateway session checks cards (the session in the query string)",
        Call(
            params={"token": "a", "id_token": "b", "username": "01001_BV", "password": "0" * 32},
            content=b'{"maThe": "0100000001", "hoTen": "A", "ngaySinh": "1990", "hoTenCb": "B", "cccdCb": "1"}',
        ),
        gateway=True,
        gateway_status=200,
    ),
    "POST /api/qd130/checkInKcbQd4750": Rule(
        NOBODY, "hospital software with a gateway session (issue 20) sends check-ins", _qd130_form, gateway=True
    ),
    "POST /api/qd130/guiHoSoXmlQD4750": Rule(
        NOBODY, "hospital software with a gateway session (issue 20) sends claims", _qd130_form, gateway=True
    ),
    f"POST {API}/clinic/lookup": Rule(
        ONLY_CLINIC, "a facility looks a patient up by ID, name and birth date", _lookup_a, sees_a=ONLY_CLINIC
    ),
    # households: any citizen reaches the controller; the rules say who belongs and who heads
    f"POST {API}/households": Rule(
        CITIZENS,
        "any citizen may found a household; everyone here already belongs to one (409)",
        Call(json={"address": "45 Trần Hưng Đạo, Quận 5"}),
        ok=NOBODY,
    ),
    f"GET {API}/households/mine": Rule(
        MEMBERS,
        "a member sees their household (a head every member); an invitee sees nothing yet",
        reach=CITIZENS,
        sees_a=ONLY_HEAD,
    ),
    f"POST {API}/households/mine/members": Rule(
        HEADS, "a head adds members to their own household", _add_newcomer, reach=CITIZENS
    ),
    f"DELETE {API}/households/mine/members/{{member_id}}": Rule(
        ONLY_HEAD,
        "only A's head removes A; another head's household has no such member (404)",
        reach=CITIZENS,
        intact=(_a_is_member, HEAD),
    ),
    f"GET {API}/households/mine/members/{{member_id}}/card": Rule(
        ONLY_HEAD,
        "A's head sees A's card, A having consented; another head gets 404",
        reach=CITIZENS,
        sees_a=ONLY_HEAD,
    ),
    f"GET {API}/households/mine/members/{{member_id}}/medical-visits": Rule(
        ONLY_HEAD,
        "A's head sees A's visits, A having consented; another head gets 404",
        reach=CITIZENS,
        sees_a=ONLY_HEAD,
    ),
    f"POST {API}/households/mine/leave": Rule(
        MEMBERS, "a member leaves (a head may not: 409)", ok=ONLY_A, reach=CITIZENS
    ),
    f"POST {API}/households/mine/consent/withdraw": Rule(
        MEMBERS,
        "a consenting member stops sharing (a head has no consent to withdraw: 409)",
        ok=ONLY_A,
        reach=CITIZENS,
    ),
    f"GET {API}/households/invitations": Rule(CITIZENS, "invitations to the caller"),
    f"POST {API}/households/invitations/{{invitation_id}}/accept": Rule(
        frozenset({NO_CONSENT}),
        "only the invitee answers their invitation",
        reach=CITIZENS,
        intact=(_invitation_pending, NO_CONSENT),
    ),
    f"POST {API}/households/invitations/{{invitation_id}}/decline": Rule(
        frozenset({NO_CONSENT}),
        "only the invitee answers their invitation",
        reach=CITIZENS,
        intact=(_invitation_pending, NO_CONSENT),
    ),
    f"GET {API}/households/mine/quote": Rule(
        HEADS,
        "a head prices their own household (B's needs no household HI: 409)",
        Call(params={"months": 12}),
        ok=ONLY_HEAD,
        reach=CITIZENS,
        sees_a=ONLY_HEAD,
    ),
    f"POST {API}/households/mine/payments": Rule(
        HEADS,
        "a head pays for their own household (A's head replays the world's payment by its key; B's "
        "household needs nothing: 409)",
        Call(json={"months": 12}, headers={"Idempotency-Key": PAYMENT_KEY}),
        ok=ONLY_HEAD,
        reach=CITIZENS,
        sees_a=ONLY_HEAD,
    ),
    f"GET {API}/households/mine/payments": Rule(
        HEADS, "a head lists their own household's payments", reach=CITIZENS, sees_a=ONLY_HEAD
    ),
    f"GET {API}/households/mine/payments/{{payment_id}}": Rule(
        ONLY_HEAD, "the payment of A's household; another head gets 404", reach=CITIZENS, sees_a=ONLY_HEAD
    ),
    f"GET {API}/households/mine/events": Rule(
        HEADS, "a head reads their own household's audit trail", reach=CITIZENS, sees_a=ONLY_HEAD
    ),
    f"POST {API}/payments/callback": Rule(
        ANYONE,
        "the provider's HMAC signature is the credential: unsigned is refused alike for all",
        Call(content=b"{}", headers={"Content-Type": "application/json"}),
        ok=NOBODY,
        credentials=True,
    ),
    # employers: HR clerks and declaration software only (none of these callers); their denials across employers
    # are in tests/employers/test_access.py
    f"POST {API}/employer/token": Rule(
        ANYONE,
        "client credentials are the credential: a wrong secret is 401 for all",
        Call(data={"grant_type": "client_credentials", "client_id": "employer-authz", "client_secret": "wrong"}),
        ok=NOBODY,
        credentials=True,
    ),
    f"GET {API}/employers": Rule(NOBODY, "the employers an HR clerk or software acts for"),
    f"GET {API}/employers/{{code}}": Rule(NOBODY, "an employer's details, for those acting for it"),
    f"GET {API}/employers/{{code}}/workers": Rule(NOBODY, "an employer's declared workers (A among them)"),
    f"GET {API}/employers/{{code}}/dues": Rule(
        NOBODY, "an employer's dues per worker", Call(params={"month": "2026-11"})
    ),
    f"GET {API}/employers/{{code}}/arrears": Rule(NOBODY, "an employer's account with the fund"),
    f"POST {API}/employers/{{code}}/declarations": Rule(
        NOBODY,
        "an employer declares its workers",
        Call(json={"month": "2026-11", "lines": [{"kind": "leave", "si_code": "0100000001", "from_month": "2026-11"}]}),
    ),
    f"POST {API}/employers/{{code}}/declarations/upload": Rule(
        NOBODY,
        "an employer uploads its D02-LT list",
        Call(params={"month": "2026-11"}, content=b"x", headers={"Content-Type": "text/csv"}),
    ),
    f"GET {API}/employers/{{code}}/declarations": Rule(NOBODY, "an employer's declarations"),
    f"GET {API}/employers/{{code}}/declarations/{{batch_id}}": Rule(NOBODY, "a declaration's receipt"),
    f"GET {API}/employers/{{code}}/payments": Rule(NOBODY, "payments from an employer's bank"),
    f"GET {API}/employers/{{code}}/payment-plans": Rule(NOBODY, "an employer's payment plans"),
    f"GET {API}/staff/employers": Rule(ONLY_STAFF, "staff list employers with unpaid dues", sees_a=ONLY_STAFF),
    f"GET {API}/staff/employers/{{code}}/arrears": Rule(
        ONLY_STAFF, "staff see an employer's account and plans (A's employer's name)", sees_a=ONLY_STAFF
    ),
    f"POST {API}/staff/employers/{{code}}/payment-plans": Rule(
        ONLY_STAFF,
        "staff record a payment plan (A's employer owes nothing here: 409)",
        Call(json={"instalments": [{"due_on": "2099-01-01", "amount": 1}]}),
        ok=NOBODY,
    ),
    f"POST {API}/employer-payments/callback": Rule(
        ANYONE,
        "the bank's HMAC signature is the credential: unsigned is refused alike for all",
        Call(content=b"{}", headers={"Content-Type": "application/json"}),
        ok=NOBODY,
        credentials=True,
    ),
    f"POST {API}/dev/employers/{{code}}/payments": Rule(
        NOBODY, "plays the bank for an employer one acts for", Call(json={"amount": 1, "bank_ref": "x"}), dev_only=True
    ),
    f"POST {API}/dev/payments/{{payment_id}}/simulate": Rule(
        ONLY_HEAD,
        "plays the provider for the head's own payment",
        Call(json={"outcome": "confirmed"}),
        reach=CITIZENS,
        dev_only=True,
    ),
    f"GET {API}/dev/outbox": Rule(
        ANYONE, "the codes the app would have sent: no guard because it exists only in dev", dev_only=True
    ),
    # public look-ups and reference tables
    f"GET {API}/facilities": Rule(ANYONE, "public list of facilities", Call(params={"q": "Bệnh viện"})),
    f"POST {API}/lookups/card": Rule(ANYONE, "whether a card is in force; says nothing about the holder", _card_lookup),
    f"GET {API}/reference/base-salary": Rule(ANYONE, "public legal table"),
    f"GET {API}/reference/contribution-rates": Rule(ANYONE, "public legal table"),
    f"GET {API}/reference/voluntary-contribution": Rule(
        ANYONE, "public calculator", Call(params={"monthly_income": 5_000_000})
    ),
    # applications
    f"GET {API}/me/applications": Rule(CITIZENS, "the caller's own applications"),
    f"POST {API}/me/applications": Rule(
        CITIZENS,
        "files for the caller (A already has an open one of this kind: 409)",
        Call(json={"kind": "card_reissue", "details": {"reason": "damaged"}}),
        ok=CITIZENS - ONLY_A,
    ),
    f"GET {API}/me/applications/{{application_id}}": Rule(
        ONLY_A, "A's application; anyone else's id is 404", reach=CITIZENS
    ),
    f"POST {API}/me/applications/{{application_id}}/withdraw": Rule(
        ONLY_A,
        "A withdraws A's application; anyone else's id is 404",
        reach=CITIZENS,
        intact=(_application_open, CITIZEN_A),
    ),
    f"GET {API}/staff/applications": Rule(ONLY_STAFF, "the staff queue", sees_a=ONLY_STAFF),
    f"GET {API}/staff/applications/{{application_id}}": Rule(
        ONLY_STAFF, "an application with its applicant", sees_a=ONLY_STAFF
    ),
    f"POST {API}/staff/applications/{{application_id}}/decision": Rule(
        ONLY_STAFF,
        "staff decide visit disputes (A's application is a card reissue: 409)",
        Call(json={"decision": "upheld", "reason": "Đã xác minh"}),
        ok=NOBODY,
    ),
    f"POST {API}/staff/applications/{{application_id}}/transitions": Rule(
        ONLY_STAFF, "staff move applications", Call(json={"to": "in_review"}), sees_a=ONLY_STAFF
    ),
    # notifications
    f"GET {API}/me/notifications": Rule(CITIZENS, "the caller's own inbox"),
    f"POST {API}/me/notifications/read-all": Rule(CITIZENS, "marks the caller's own notices"),
    f"POST {API}/me/notifications/{{notification_id}}/read": Rule(
        ONLY_A, "A's notice; anyone else's id is 404", reach=CITIZENS, intact=(_notice_unread, CITIZEN_A)
    ),
    f"POST {API}/me/push-subscriptions": Rule(CITIZENS, "subscribes the caller's own browser", _own_push_endpoint),
    f"DELETE {API}/me/push-subscriptions": Rule(
        CITIZENS,
        "forgets the caller's own subscription at that endpoint: A's survives everyone else (204 alike)",
        _unsubscribe_a,
        intact=(_a_subscribed, CITIZEN_A),
    ),
    f"GET {API}/me/notification-preferences": Rule(CITIZENS, "the caller's own choices"),
    f"PUT {API}/me/notification-preferences": Rule(
        CITIZENS, "the caller's own choices", Call(json={"card_checked": True})
    ),
    f"GET {API}/push/public-key": Rule(ANYONE, "the public VAPID key"),
    # passbooks
    f"POST {API}/passbooks/verify": Rule(
        ANYONE,
        "anyone holding a printed passbook may check it (this one is not a passbook: 422)",
        Call(json={"token": "PB1.not-a-passbook"}),
        ok=NOBODY,
    ),
    f"GET {API}/passbooks/keys": Rule(ANYONE, "public keys of printed passbooks"),
    # chip ID
    f"POST {API}/me/chip-id/challenge": Rule(CITIZENS, "a nonce for the caller's own chip"),
    f"POST {API}/me/chip-id/verify": Rule(
        CITIZENS, "a malformed chip is a 422 for a signed-in citizen", Call(json=CHIP_FILES), ok=NOBODY
    ),
    f"GET {API}/me/chip-id/verifications": Rule(CITIZENS, "the caller's own verifications"),
    # outside the API: the PWA, the clinic page, probes, docs and static files are public
    "GET /": Rule(ANYONE, "the PWA shell"),
    "GET /manifest.webmanifest": Rule(ANYONE, "the PWA manifest"),
    "GET /sw.js": Rule(ANYONE, "the PWA service worker"),
    "GET /clinic": Rule(ANYONE, "the clinic scanner page (sign-in happens inside it)", Call(path="/clinic/")),
    "GET /clinic/sw.js": Rule(ANYONE, "the scanner's service worker"),
    "GET /employer": Rule(ANYONE, "the employer's page (HR sign-in happens inside it)", Call(path="/employer/")),
    "GET /health/live": Rule(ANYONE, "liveness probe"),
    "GET /health/ready": Rule(ANYONE, "readiness probe"),
    "GET /pwa/{file_path}": Rule(ANYONE, "PWA modules", Call(path="/pwa/index.js")),
    "HEAD /pwa/{file_path}": Rule(ANYONE, "PWA modules", Call(path="/pwa/index.js")),
    "GET /static/{file_path}": Rule(ANYONE, "icons, fonts, CSS", Call(path="/static/icons/favicon.svg")),
    "HEAD /static/{file_path}": Rule(ANYONE, "icons, fonts, CSS", Call(path="/static/icons/favicon.svg")),
    "GET /schema-assets/{file_path}": Rule(ANYONE, "Swagger UI files", Call(path="/schema-assets/swagger-ui.css")),
    "HEAD /schema-assets/{file_path}": Rule(ANYONE, "Swagger UI files", Call(path="/schema-assets/swagger-ui.css")),
    "GET /schema": Rule(ANYONE, "API docs"),
    "GET /schema/openapi.json": Rule(ANYONE, "the OpenAPI document"),
    "GET /schema/oauth2-redirect.html": Rule(ANYONE, "Swagger UI's OAuth2 page (unused, public)"),
    "GET /schema/{path}": Rule(
        ANYONE,
        "Litestar's not-found page for docs names no plugin serves: 404 for all",
        Call(path="/schema/swagger"),
        ok=NOBODY,
    ),
}


# --- the route table -----------------------------------------------------------------------------------------------


def _route_keys(app: Litestar) -> list[str]:
    """Every (method, path template) the app serves, as "METHOD /path/{param}".

    Litestar adds an OPTIONS handler to every path (CORS preflight, answered before any guard and with no data);
    those are left out. An OPTIONS handler the app declares itself would be listed.
    """
    keys = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method == "OPTIONS" and handler.handler_name == "options_handler":
                continue
            keys.append(f"{method} {route.path_format}")
    return sorted(keys)


def _collection_settings(env: str) -> Settings:
    # Building the app opens no connection: any URL does for reading its route table (one is needed, or dev would
    # start the embedded server). A host under .invalid never resolves, so a request that reached it would fail.
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env=env,
        database_url="postgresql+asyncpg://ansinh@route-table.invalid/ansinh",
        redis_url=None,
        secret_key=TEST_SECRET if env == "dev" else STRONG,
        payment_hmac_secret=STRONG,
        public_url="http://localhost:8000",
        log_level="WARNING",
    )


ROUTES = _route_keys(create_app(_collection_settings("dev")))
PATH_PARAM = re.compile(r"{(\w+)}")

# --- running one case ----------------------------------------------------------------------------------------------


def _url(key: str, call: Call, world: World) -> str:
    if call.path is not None:
        return call.path
    template = key.split(" ", 1)[1]
    missing = [name for name in PATH_PARAM.findall(template) if name not in world.path_values]
    assert not missing, f"{key}: no value for path parameter(s) {missing}: add A's resource to World.path_values"
    return PATH_PARAM.sub(lambda m: str(world.path_values[m.group(1)]), template)


def _order(rule: Rule) -> list[str]:
    """Denied callers first (they meet A's resources untouched), then the allowed ones, A last."""
    denied = [c for c in CALLERS if c not in rule.allow]
    allowed = [c for c in CALLERS if c in rule.allow and c != CITIZEN_A]
    return denied + allowed + ([CITIZEN_A] if CITIZEN_A in rule.allow else [])


def _leaks(world: World, body: str) -> list[str]:
    found = []
    for secret in world.a_secrets():
        escaped = json.dumps(secret)[1:-1]  # as a JSON encoder that escapes non-ASCII would write it
        if secret in body or escaped in body:
            found.append(secret)
    return found


def _bearer_challenge(response: Any) -> bool:
    """The 401 is about the bearer token (the guard's), not about credentials in the body."""
    return response.headers.get("www-authenticate", "").lower().startswith("bearer")


def _is_text(content_type: str) -> bool:
    return any(kind in content_type for kind in ("json", "text", "xml", "javascript", "csv"))


def _problems(key: str, rule: Rule, caller: str, status: int, response: Any, world: World) -> list[str]:
    """What is wrong with this caller's answer under ``rule`` (empty when it is as the rule says)."""
    where = f"{key} as {caller}: {status}"
    if status >= 500:  # every optional service (push, chip ID, payments) is configured here: no 5xx is right
        return [f"{where}: a server error ({response.text[:200]})"]
    problems = []
    if rule.gateway and caller not in rule.allow:
        if status != rule.gateway_status or response.json().get("maKetQua") != "401":
            problems.append(f"{where}: the gateway must answer 401 in maKetQua to a caller without its session")
        return problems
    if caller in rule.allow:
        token_refused = status == 401 and (not rule.credentials or _bearer_challenge(response))
        if status == 403 or token_refused:
            problems.append(f"{where}: an allowed caller was refused ({response.text[:200]})")
        ok = rule.allow if rule.ok is None else rule.ok
        if caller in ok and not 200 <= status < 400:
            problems.append(f"{where}: the plausible request should succeed for this caller ({response.text[:200]})")
    else:
        reach = rule.allow if rule.reach is None else rule.reach
        if caller == ANONYMOUS:
            expected = {401}
        elif caller not in reach:
            expected = {403}  # the guard says no to this kind of caller
        else:
            expected = {403, 404}  # someone else's object, or a rule of the domain (not the head, not a member)
        if status not in expected:
            problems.append(f"{where}: a denied caller must get {sorted(expected)} ({response.text[:200]})")
        elif not response.headers.get("content-type", "").startswith("application/problem+json"):
            problems.append(f"{where}: a refusal must be problem+json")
        elif status == 401 and not _bearer_challenge(response):
            problems.append(f"{where}: a 401 for a missing token must say WWW-Authenticate: Bearer (RFC 6750)")
    readable = 200 <= status < 300 and _is_text(response.headers.get("content-type", ""))
    if readable and caller != CITIZEN_A and caller not in rule.sees_a and (leaked := _leaks(world, response.text)):
        problems.append(f"{where}: A's personal data in the body: {leaked}")
    return problems


@pytest.mark.parametrize("key", ROUTES)
async def test_route(key: str, client: AsyncTestClient[Litestar], db_session: AsyncSession, world: World) -> None:
    """Every caller gets what the rule table says for this route, and nobody reads A's data unless shared."""
    rule = RULES.get(key)
    if rule is None:
        pytest.fail(f"add a rule for {key} to RULES in {__name__} (who may call it, and why)")
    if key.split(" ", 1)[1].startswith(DEV_PREFIX):
        assert rule.dev_only, f"{key} is a dev route: mark its rule dev_only=True"
    method = key.split(" ", 1)[0]
    problems: list[str] = []
    statuses: dict[str, int] = {}
    for caller in _order(rule):
        if rule.intact is not None and caller == rule.intact[1]:
            intact = await rule.intact[0](world, db_session)
            await db_session.rollback()  # end the read: the next check must see the app's later writes
            if not intact:
                problems.append(f"{key}: A's resource was changed by a caller before {caller}")
        call = rule.call(world, caller) if callable(rule.call) else rule.call
        response = await client.request(
            method,
            _url(key, call, world),
            headers={**call.headers, **world.headers[caller]},
            params=call.params,
            json=call.json,
            data=call.data,
            content=call.content,
        )
        statuses[caller] = response.status_code
        problems += _problems(key, rule, caller, response.status_code, response, world)
    if rule.allow == ANYONE and len(set(statuses.values())) > 1:
        problems.append(f"{key}: a public route answered differently by caller: {statuses}")
    assert not problems, "\n".join(problems)


def test_every_rule_names_a_route() -> None:
    """A rule for a route that no longer exists is stale: remove it (or fix its path)."""
    stale = sorted(set(RULES) - set(ROUTES))
    assert not stale, f"rules for routes the app does not have: {stale}"


def test_dev_routes_are_absent_in_prod() -> None:
    """Outside dev, no dev-only route is mounted: the prod route table is the dev one without them."""
    prod_routes = _route_keys(create_app(_collection_settings("prod")))
    dev_only = {key for key, rule in RULES.items() if rule.dev_only}
    assert dev_only, "the dev matrix lists the dev-only routes"
    assert not [key for key in prod_routes if key.split(" ", 1)[1].startswith(DEV_PREFIX)]
    assert set(prod_routes) == set(ROUTES) - dev_only


async def test_dev_routes_answer_404_in_prod() -> None:
    """A prod app answers the dev paths with 404."""
    async with AsyncTestClient(app=create_app(_collection_settings("prod"))) as client:
        outbox = await client.get(f"{DEV_PREFIX}outbox")
        simulate = await client.post(f"{DEV_PREFIX}payments/1/simulate", json={"outcome": "confirmed"})
    assert outbox.status_code == 404
    assert simulate.status_code == 404


def test_a_route_added_later_is_listed_without_a_rule() -> None:
    """The matrix reads the live route table: a handler registered on the app shows up, with no rule to hide behind."""

    @get("/api/v1/me/new-thing/{thing_id:int}", sync_to_thread=False)
    def new_thing(thing_id: FromPath[int]) -> dict[str, int]:
        return {"id": thing_id}

    app = create_app(_collection_settings("dev"))
    app.register(new_thing)
    added = set(_route_keys(app)) - set(ROUTES)
    assert added == {"GET /api/v1/me/new-thing/{thing_id}"}
    assert not added & set(RULES)  # test_route would fail it: "add a rule for GET /api/v1/me/new-thing/{thing_id}"


async def test_the_leak_check_sees_what_a_shares(client: AsyncTestClient[Litestar], world: World) -> None:
    """A control for the leak check: where A's data is meant to appear, it finds it in the form the API writes."""
    a_headers, head_headers = world.headers[CITIZEN_A], world.headers[HEAD]
    contributions = await client.get(f"{API}/me/contributions", headers=a_headers)
    visits = await client.get(f"{API}/me/medical-visits", headers=a_headers)
    household = await client.get(f"{API}/households/mine", headers=head_headers)
    assert A_EMPLOYER in _leaks(world, contributions.text)
    assert A_DIAGNOSIS in _leaks(world, visits.text)
    assert {world.a.si_code, world.a.full_name} <= set(_leaks(world, household.text))

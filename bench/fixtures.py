"""What a load run sends: real people, cards and accounts sampled from the bench database, written as request files.

Setup writes to the bench database directly (it is the operator's own copy); every measured request goes through
the HTTP API. Tokens are made with the app's own functions and the server's secrets, exactly as sign-in and
`POST /me/card/token` would make them, so a run can send a different valid card token with every request.
"""

import json
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards import keys
from ansinh.cards.models import CardSigningKey
from ansinh.cards.service import card_with_holder, token_payload
from ansinh.cards.tokens import sign_card_token
from ansinh.clinics.models import ClinicClient, FacilityStaff
from ansinh.core.db import create_engine, session_factory
from ansinh.core.passwords import hash_password_sync
from ansinh.core.settings import Settings
from ansinh.core.time import utcnow
from ansinh.core.tokens import issue_access_token
from ansinh.demo.personas import CLINIC_CLIENT_ID, CLINIC_SECRET, GATEWAY_USERNAME
from ansinh.gateway.models import GatewayAccount
from ansinh.gateway.service import md5_of
from ansinh.identity.service import birth_date_text

CHECKING_STAFF = "Bench Nhân Viên"


@dataclass(frozen=True, slots=True)
class Citizen:
    """A sampled citizen with an account and an in-force card."""

    account_id: int
    person_id: int
    username: str
    card_number: str
    citizen_id: str
    full_name: str
    birth_date: str


async def adopt_signing_keys(db: AsyncSession, settings: Settings) -> None:
    """Replace the seed's card-signing keys (sealed under the dev secret) with keys sealed under the bench secret."""
    await db.exec(text("DELETE FROM card_signing_key"))  # type: ignore[call-overload]
    await db.commit()
    await keys.ensure_keys(db, kek_secret=settings.signing_kek_secret)


async def sample_citizens(db: AsyncSession, *, count: int, seed: int) -> list[Citizen]:
    """Up to ``count`` random people with an in-force card and an account, activated for the run."""
    rows = (
        await db.exec(  # type: ignore[call-overload]
            text(
                """
                SELECT a.id, p.id, a.username, c.number, p.citizen_id
                FROM account a
                JOIN person p ON p.id = a.person_id
                JOIN health_insurance_card c ON c.person_id = p.id
                WHERE a.role = 'citizen' AND c.status = 'active'
                  AND c.valid_from <= CURRENT_DATE AND c.valid_to >= CURRENT_DATE
                ORDER BY md5(a.id::text || :seed)
                LIMIT :count
                """
            ).bindparams(seed=str(seed), count=count)
        )
    ).all()
    if not rows:
        raise SystemExit("the bench database has no people with an account and an in-force card: seed it first")
    await db.exec(  # type: ignore[call-overload]
        text("UPDATE account SET status = 'active' WHERE id = ANY(:ids)").bindparams(ids=[r[0] for r in rows])
    )
    await db.commit()
    people = {
        person.id: person
        for _card, person, _facility in (
            await db.exec(card_with_holder().where(text("person.id = ANY(:ids)")).params(ids=[r[1] for r in rows]))
        ).all()
    }
    return [
        Citizen(
            account_id=account_id,
            person_id=person_id,
            username=username,
            card_number=number,
            citizen_id=citizen_id,
            full_name=people[person_id].full_name,
            birth_date=birth_date_text(people[person_id]),
        )
        for account_id, person_id, username, number, citizen_id in rows
    ]


async def longest_histories(db: AsyncSession, *, count: int) -> list[tuple[int, int]]:
    """(account id, years covered) of the people with the longest contribution histories, activated for the run."""
    rows = (
        await db.exec(  # type: ignore[call-overload]
            text(
                """
                SELECT a.id,
                       CAST(substr(max(cp.to_month), 1, 4) AS int)
                         - CAST(substr(min(cp.from_month), 1, 4) AS int) AS years,
                       count(*) AS periods
                FROM account a JOIN contribution_period cp ON cp.person_id = a.person_id
                WHERE a.role = 'citizen'
                GROUP BY a.id
                ORDER BY years DESC, periods DESC
                LIMIT :count
                """
            ).bindparams(count=count)
        )
    ).all()
    await db.exec(  # type: ignore[call-overload]
        text("UPDATE account SET status = 'active' WHERE id = ANY(:ids)").bindparams(ids=[r[0] for r in rows])
    )
    await db.commit()
    return [(account_id, years) for account_id, years, _periods in rows]


def access_token(settings: Settings, account_id: int) -> str:
    """A citizen access token as a password + OTP sign-in issues it."""
    token, _ = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=str(account_id),
        role="citizen",
        ttl=timedelta(hours=2),  # outlives the run; sign-in issues 15-minute tokens
        session_id=uuid.uuid4().hex,
        amr=["pwd+otp"],
        auth_time=utcnow(),
    )
    return token


async def card_tokens(db: AsyncSession, settings: Settings, citizens: list[Citizen], *, count: int) -> list[str]:
    """``count`` distinct online card tokens (3-minute codes) of the sampled citizens' cards, round robin."""
    ring = await keys.load_key_ring(db, kek_secret=settings.signing_kek_secret)
    rows = (
        await db.exec(
            card_with_holder()
            .where(text("health_insurance_card.number = ANY(:numbers) AND health_insurance_card.status = 'active'"))
            .params(numbers=[c.card_number for c in citizens])
        )
    ).all()
    now = utcnow()
    tokens = []
    for n in range(count):
        card, person, facility = rows[n % len(rows)]
        payload = token_payload(card, person, facility, issuer=settings.public_url, now=now, kind="online")
        tokens.append(sign_card_token(payload, private_key=ring.signing_key, kid=ring.signing_kid))
    return tokens


async def current_public_key_pem(db: AsyncSession, settings: Settings) -> bytes:
    """The current card-signing public key as PEM, for the bare-verify reference app."""
    ring = await keys.load_key_ring(db, kek_secret=settings.signing_kek_secret)
    return ring.public_keys[ring.signing_kid].public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# The checking staff registered at the bench clinic's facility; each request names one of them, so requests vary
# (no retry de-duplication) and every check passes the registered-staff rule (issue 20) with a real list to search.
STAFF_POOL = 500


def staff_citizen_id(rng: random.Random) -> str:
    """One of the registered checking staff members' 12-digit citizen IDs, drawn at random."""
    return _pool_citizen_id(rng.randrange(STAFF_POOL))


def _pool_citizen_id(n: int) -> str:
    return f"001099{n:06d}"


async def register_checking_staff(db: AsyncSession) -> None:
    """Register the staff pool at the bench clinic's facility (once; a second run finds them)."""
    facility_id = (
        await db.exec(select(ClinicClient.facility_id).where(ClinicClient.client_id == CLINIC_CLIENT_ID))
    ).one()
    known = set((await db.exec(select(FacilityStaff.citizen_id).where(FacilityStaff.facility_id == facility_id))).all())
    for n in range(STAFF_POOL):
        if _pool_citizen_id(n) not in known:
            db.add(
                FacilityStaff(
                    public_id=f"bench-{n:06d}",
                    facility_id=facility_id,
                    full_name=CHECKING_STAFF,
                    citizen_id=_pool_citizen_id(n),
                )
            )
    await db.commit()


# --- the gateway card check (issue 20) ------------------------------------------------------------------------------

# The gateway scenario checks cards of people apart from the sampled citizens (whose cards the verify and look-up runs
# keep checking). Before every run each of its cards is given GATEWAY_VISITS visits (topped up) and exactly
# GATEWAY_EARLIER_CHECKS earlier checks (what earlier runs added is replaced), so every answer carries the lists the
# issue sizes: 10 visits and 20 earlier checks per card.
GATEWAY_CARDS = 2000
GATEWAY_VISITS = 10
GATEWAY_EARLIER_CHECKS = 20
HISTORY_CLIENT = "bench-history"  # the account the prepared earlier checks are logged under (their userKT)
# Armed forces' and police's cards answer 001/002, not 000: the scenario measures the ordinary card.
_SPECIAL_GROUPS = ("QN", "CY", "CA")


@dataclass(frozen=True, slots=True)
class GatewayCard:
    """A card in force that the gateway scenario checks, with what hospital software sends about its holder."""

    person_id: int
    card_id: int
    facility_id: int  # the card's primary-care facility, where its prepared visits and checks took place
    card_number: str
    full_name: str
    birth_date: str  # as HIS sends it: dd/mm/yyyy, or yyyy when only the year is on record


async def sample_gateway_cards(db: AsyncSession, *, count: int, seed: int, exclude: list[int]) -> list[GatewayCard]:
    """Up to ``count`` random people with an ordinary card in force, none of the ``exclude`` person ids."""
    rows = (
        await db.exec(  # type: ignore[call-overload]
            text(
                """
                SELECT p.id, c.id, c.primary_facility_id, c.number, p.full_name, p.date_of_birth,
                       p.birth_date_precision
                FROM health_insurance_card c
                JOIN person p ON p.id = c.person_id
                WHERE c.status = 'active' AND c.valid_from <= CURRENT_DATE AND c.valid_to >= CURRENT_DATE
                  AND c.beneficiary_group <> ALL(:special) AND p.id <> ALL(:exclude)
                ORDER BY md5(p.id::text || :seed)
                LIMIT :count
                """
            ).bindparams(special=list(_SPECIAL_GROUPS), exclude=exclude, seed=f"gateway-{seed}", count=count)
        )
    ).all()
    if not rows:
        raise SystemExit("the bench database has no cards in force for the gateway scenario: seed it first")
    return [
        GatewayCard(
            person_id=person_id,
            card_id=card_id,
            facility_id=facility_id,
            card_number=number,
            full_name=full_name,
            birth_date=f"{born.year:04d}" if precision == "year" else born.strftime("%d/%m/%Y"),
        )
        for person_id, card_id, facility_id, number, full_name, born, precision in rows
    ]


# Each holder's visits topped up to :visits (outpatient examinations a month apart, claimed), in one statement.
_TOP_UP_VISITS = text(
    """
    INSERT INTO medical_visit (person_id, facility_id, visit_type, status, visit_key, kcb_type, admission_date,
        discharge_date, admitted_at, discharged_at, icd10_code, icd10_name, admission_reason, treatment_result,
        discharge_type, total_cost, hi_scope_total, hi_paid, co_payment, out_of_scope, patient_paid, other_sources,
        updated_at)
    SELECT t.person_id, t.facility_id, 'outpatient', 'claimed', 'BENCH-' || t.person_id || '-' || g, '01', d.day,
        d.day, (d.day + time '07:30') AT TIME ZONE 'Asia/Ho_Chi_Minh',
        (d.day + time '10:15') AT TIME ZONE 'Asia/Ho_Chi_Minh', 'J06.9', 'Nhiễm trùng đường hô hấp trên cấp',
        'Sốt, ho', '2', '1', 350000, 350000, 280000, 70000, 0, 70000, 0, now()
    FROM unnest(CAST(:persons AS bigint[]), CAST(:facilities AS bigint[])) AS t(person_id, facility_id)
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM medical_visit v WHERE v.person_id = t.person_id) AS have
    CROSS JOIN LATERAL generate_series(have.n + 1, :visits) AS g
    CROSS JOIN LATERAL (SELECT CAST(CURRENT_DATE - CAST(g AS integer) * 30 AS date) AS day) AS d
    ON CONFLICT (facility_id, visit_key) DO NOTHING
    """
)
# The cards' check logs replaced by :checks earlier gateway checks each, five days apart (served by the person index).
_FORGET_CHECKS = text("DELETE FROM card_check WHERE person_id = ANY(:persons) AND card_id = ANY(:cards)")
_EARLIER_CHECKS = text(
    """
    INSERT INTO card_check (facility_id, client_id, staff_name, staff_citizen_id, method, result, person_id, card_id,
        token_id, checked_at)
    SELECT t.facility_id, :client, :staff_name, :staff_citizen_id, 'gateway', '000', t.person_id, t.card_id, NULL,
        now() - g * interval '5 days'
    FROM unnest(CAST(:persons AS bigint[]), CAST(:cards AS bigint[]), CAST(:facilities AS bigint[]))
        AS t(person_id, card_id, facility_id)
    CROSS JOIN generate_series(1, :checks) AS g
    """
)


async def give_history(
    db: AsyncSession,
    cards: list[GatewayCard],
    *,
    visits: int = GATEWAY_VISITS,
    earlier_checks: int = GATEWAY_EARLIER_CHECKS,
) -> None:
    """Give every card's holder at least ``visits`` visits and every card exactly ``earlier_checks`` earlier checks,
    in bulk statements (a second preparation tops up and resets: it never piles up)."""
    persons = [card.person_id for card in cards]
    facilities = [card.facility_id for card in cards]
    card_ids = [card.card_id for card in cards]
    await db.exec(_TOP_UP_VISITS.bindparams(persons=persons, facilities=facilities, visits=visits))  # type: ignore[call-overload]
    await db.exec(_FORGET_CHECKS.bindparams(persons=persons, cards=card_ids))  # type: ignore[call-overload]
    await db.exec(  # type: ignore[call-overload]
        _EARLIER_CHECKS.bindparams(
            persons=persons,
            cards=card_ids,
            facilities=facilities,
            checks=earlier_checks,
            client=HISTORY_CLIENT,
            staff_name=CHECKING_STAFF,
            staff_citizen_id=_pool_citizen_id(0),
        )
    )
    await db.commit()


def gateway_bodies(cards: list[GatewayCard], count: int) -> list[str]:
    """``count`` card-check bodies as hospital software sends them (UTF-8 JSON, the 10-digit card number, the birth
    date as dd/mm/yyyy), each naming another card and another registered staff member than the one before.

    Request n checks card n mod C, named by staff member (n mod C + step × (n div C)) mod STAFF_POOL: the staff member
    moves on by one with every request, and each time round the cards one card's checker moves on by ``step``, so no
    body repeats within C × STAFF_POOL requests (an identical check within 10 s would be a retry, answered without the
    work). ``step`` is 1, or -1 when C ≡ 2 (mod STAFF_POOL), where 1 would give the same staff member twice at the turn
    of the cards.
    """
    total = len(cards)
    step = STAFF_POOL - 1 if (total - 2) % STAFF_POOL == 0 else 1
    bodies = []
    for n in range(count):
        card = cards[n % total]
        staff = (n % total + step * (n // total)) % STAFF_POOL
        bodies.append(
            json.dumps(
                {
                    "maThe": card.card_number,
                    "hoTen": card.full_name,
                    "ngaySinh": card.birth_date,
                    "hoTenCb": CHECKING_STAFF,
                    "cccdCb": _pool_citizen_id(staff),
                },
                ensure_ascii=False,
            )
        )
    return bodies


async def ensure_gateway_account(db: AsyncSession) -> None:
    """The demo facility's gateway account (``01001_BV``, the demo clinic's secret), for a bench database seeded before
    gateway accounts existed; a seeded one is left as it is."""
    known = (await db.exec(select(GatewayAccount.id).where(GatewayAccount.username == GATEWAY_USERNAME))).first()
    if known is not None:
        return
    client_id = (await db.exec(select(ClinicClient.id).where(ClinicClient.client_id == CLINIC_CLIENT_ID))).one()
    db.add(
        GatewayAccount(
            username=GATEWAY_USERNAME,
            password_hash=hash_password_sync(md5_of(CLINIC_SECRET)),
            client_id=client_id,  # type: ignore[arg-type]
        )
    )
    await db.commit()


def write_lines(path: Path, lines: list[str]) -> Path:
    """One request body per line (the wrk script cycles through them)."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def prepare(
    settings: Settings, out: Path, *, citizens: int = 2000, bodies: int = 60000, seed: int = 2026
) -> dict[str, object]:
    """Sample the database and write the request files; returns what the run needs (paths, tokens)."""
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240  (setup, before any load)
    rng = random.Random(seed)
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as db:
            if (await db.exec(select(CardSigningKey))).first() is None or not await _keys_open(db, settings):
                await adopt_signing_keys(db, settings)
            await register_checking_staff(db)
            await ensure_gateway_account(db)
            sampled = await sample_citizens(db, count=citizens, seed=seed)
            gateway_cards = await sample_gateway_cards(
                db, count=GATEWAY_CARDS, seed=seed, exclude=[c.person_id for c in sampled]
            )
            await give_history(db, gateway_cards)
            histories = await longest_histories(db, count=200)
            tokens = await card_tokens(db, settings, sampled, count=bodies)
            public_pem = await current_public_key_pem(db, settings)
    finally:
        await engine.dispose()
    verify = [
        json.dumps({"token": t, "staff_name": CHECKING_STAFF, "staff_citizen_id": staff_citizen_id(rng)})
        for t in tokens
    ]
    lookup = [
        json.dumps(
            {
                "citizen_id": c.citizen_id,
                "full_name": c.full_name,
                "date_of_birth": c.birth_date,
                "staff_name": CHECKING_STAFF,
                "staff_citizen_id": staff_citizen_id(rng),
            },
            ensure_ascii=False,
        )
        for c in (sampled[n % len(sampled)] for n in range(bodies))
    ]
    (out / "ref-public.pem").write_bytes(public_pem)
    return {
        "verify_bodies": str(write_lines(out / "verify.jsonl", verify)),
        "bare_verify_bodies": str(write_lines(out / "bare-verify.jsonl", [json.dumps({"token": t}) for t in tokens])),
        "lookup_bodies": str(write_lines(out / "lookup.jsonl", lookup)),
        "gateway_bodies": str(write_lines(out / "gateway.jsonl", gateway_bodies(gateway_cards, bodies))),
        "ref_public_key": str(out / "ref-public.pem"),
        "citizens": sampled,
        "history_accounts": histories,
    }


async def _keys_open(db: AsyncSession, settings: Settings) -> bool:
    """Whether the stored current key opens with this run's secret (a fresh seed sealed it with the dev one)."""
    try:
        await keys.load_key_ring(db, kek_secret=settings.signing_kek_secret)
    except Exception:  # any unseal failure means: not ours
        return False
    return True

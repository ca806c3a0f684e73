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
from ansinh.core.settings import Settings
from ansinh.core.time import utcnow
from ansinh.core.tokens import issue_access_token
from ansinh.demo.personas import CLINIC_CLIENT_ID
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
            sampled = await sample_citizens(db, count=citizens, seed=seed)
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

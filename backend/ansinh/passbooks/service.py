"""Passbooks: issue the citizen's signed PDF statement, verify a printed one, publish the verification keys."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import anyio.to_thread
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards import keys
from ansinh.core.errors import DomainError, InvalidInput
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.settings import Settings
from ansinh.core.signing import public_key_from_jwk
from ansinh.core.statements import session_statements
from ansinh.core.store import SharedStore
from ansinh.core.time import today_vn, utcnow
from ansinh.identity.citizens import citizen_person
from ansinh.identity.models import Person
from ansinh.identity.service import birth_date_text
from ansinh.passbooks.pdf import Passbook, render_passbook
from ansinh.passbooks.schemas import PassbookRejected, PassbookTotals, PassbookVerified, RejectionReason
from ansinh.passbooks.statement import Statement, build_statement, resolve_period
from ansinh.passbooks.tokens import (
    VERIFY_PATH,
    NotAPassbookToken,
    PassbookClaims,
    parse_claims,
    parse_token,
    passbook_payload,
    sign_passbook_token,
    signature_valid,
    verify_url,
)
from ansinh.records.service import load_periods, parse_window
from ansinh.web.assets import static_dir

VERIFY_LIMIT = RateLimit(count=30, window=60)  # per IP: a reader checks a few passbooks, not thousands
PDF_LIMIT = RateLimit(count=10, window=60)  # per account: rendering costs CPU, and a person prints a few at most


class InvalidPeriod(DomainError):
    status_code = 422
    slug = "invalid-period"
    title = "Invalid period"
    default_en = "'from' and 'to' must be months written YYYY-MM, 'from' not after 'to'."
    default_vi = "'from' và 'to' phải là tháng dạng YYYY-MM, 'from' không sau 'to'."


class InvalidPassbookToken(DomainError):
    status_code = 422
    slug = "invalid-passbook-token"
    title = "Not a passbook code"
    default_en = "This is not an AnSinh passbook code; scan the QR printed on the passbook again."
    default_vi = "Đây không phải mã sổ BHXH của AnSinh; hãy quét lại mã QR in trên sổ."


@dataclass(frozen=True, slots=True)
class PassbookFile:
    """The rendered PDF and the name it is downloaded under."""

    content: bytes
    filename: str


async def _statement(
    db: AsyncSession, person: Person, *, from_month: str | None, to_month: str | None, now: datetime | None
) -> Statement:
    periods = await load_periods(
        await session_statements(db),
        person_id=person.id,
        from_month=from_month,
        to_month=to_month,  # type: ignore[arg-type]
    )
    first, last = resolve_period(periods, from_month=from_month, to_month=to_month, today=today_vn(now))
    return build_statement(
        periods,
        si_code=person.si_code,
        holder_name=person.full_name,
        birth_date=birth_date_text(person),
        period_from=first,
        period_to=last,
    )


async def signed_statement(
    db: AsyncSession,
    *,
    settings: Settings,
    person: Person,
    from_month: str | None,
    to_month: str | None,
    now: datetime | None = None,
) -> tuple[Statement, str]:
    """The person's statement over a checked window and its ``PB1.`` token, signed with the current key."""
    statement = await _statement(db, person, from_month=from_month, to_month=to_month, now=now)
    ring = await keys.load_key_ring(db, kek_secret=settings.signing_kek_secret, now=now)
    payload = passbook_payload(statement, issuer=settings.public_url, issued_on=today_vn(now))
    return statement, sign_passbook_token(payload, private_key=ring.signing_key, kid=ring.signing_kid)


async def issue_passbook(
    db: AsyncSession,
    store: SharedStore,
    *,
    settings: Settings,
    account_id: int,
    lang: str,
    from_month: str | None = None,
    to_month: str | None = None,
    now: datetime | None = None,
) -> PassbookFile:
    """The citizen's passbook over ``from``–``to`` (default: the whole history) as a PDF."""
    await hit(store, f"passbook-pdf:{account_id}", PDF_LIMIT)
    try:
        # An empty field (a form left blank) means the default, as leaving it out does.
        from_month, to_month = parse_window(from_month or None, to_month or None)
    except InvalidInput as exc:
        raise InvalidPeriod(exc.detail_en, exc.detail_vi, extra=exc.extra) from None
    now = now or utcnow()  # one clock for the signed date and the printed one
    person = await citizen_person(db, account_id=account_id)
    statement, token = await signed_statement(
        db, settings=settings, person=person, from_month=from_month, to_month=to_month, now=now
    )
    issued_on = today_vn(now)
    passbook = Passbook(
        statement=statement,
        lang=lang,
        issued_on=issued_on,
        qr_text=verify_url(settings.public_url, token),
        verify_hint=f"{settings.public_url.rstrip('/')}{VERIFY_PATH}",
    )
    # Rendering takes tens of milliseconds of CPU: keep it off the event loop.
    render = partial(render_passbook, passbook, fonts_dir=static_dir(settings) / "fonts")
    content = await anyio.to_thread.run_sync(render)
    return PassbookFile(content=content, filename=f"ansinh-passbook-{person.si_code}-{issued_on.isoformat()}.pdf")


async def _matches_current_records(db: AsyncSession, claims: PassbookClaims) -> bool:
    """Recompute the statement from today's records for the same SI code and period, and compare hashes."""
    person = (await db.exec(select(Person).where(Person.si_code == claims.si_code))).first()
    if person is None:
        return False
    today = await _statement(db, person, from_month=claims.period_from, to_month=claims.period_to, now=None)
    return today.sha256() == claims.statement_sha256


def _rejected(reason: RejectionReason) -> PassbookRejected:
    return PassbookRejected(reason=reason)


async def verify_passbook(
    db: AsyncSession, store: SharedStore, *, ip: str, text: str
) -> PassbookVerified | PassbookRejected:
    """Check a passbook token: its form (422), its key (unknown, withdrawn) and signature, then today's records."""
    await hit(store, f"passbook-verify:{ip}", VERIFY_LIMIT)
    try:
        parsed = parse_token(text)
    except NotAPassbookToken:
        raise InvalidPassbookToken() from None
    key = await keys.find_key(db, parsed.kid) if parsed.kid is not None else None
    if key is None:
        return _rejected("unknown-key")
    if key.withdrawn_at is not None:
        return _rejected("withdrawn-key")
    if not signature_valid(parsed, public_key_from_jwk(key.public_jwk)):
        return _rejected("bad-signature")
    claims = parse_claims(parsed.payload)
    if claims is None:
        # Signed by our key yet not a passbook payload: never issued by us, so not a passbook at all.
        raise InvalidPassbookToken()
    return PassbookVerified(
        si_code=claims.si_code,
        holder_name=claims.holder_name,
        period={"from": claims.period_from, "to": claims.period_to},
        issued_on=claims.issued_on,
        totals=PassbookTotals(paid_months=claims.paid_months, arrears_months=claims.arrears_months),
        statement_sha256=claims.statement_sha256,
        kid=key.kid,
        matches_current_records=await _matches_current_records(db, claims),
    )


async def verification_jwks(db: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """The JWKS of every key a passbook may be signed with (public parts only)."""
    return {"keys": [keys.jwk_entry(k) for k in await keys.passbook_verification_keys(db)]}

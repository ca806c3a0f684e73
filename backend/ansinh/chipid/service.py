"""Chip-ID rules: challenges, the three checks in order, the identity match, records and assurance, without HTTP."""

import base64
import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import anyio
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.chipid import lds
from ansinh.chipid.active import verify_active_authentication
from ansinh.chipid.models import ChipVerification, VerificationOutcome, VerificationPurpose
from ansinh.chipid.passive import PassiveResult, passive_authentication
from ansinh.chipid.signatures import CheckFailed
from ansinh.chipid.truststore import TrustStore, trust_store_at
from ansinh.core.context import RequestContext
from ansinh.core.errors import DomainError
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.time import today_vn, utcnow
from ansinh.identity import service as identity
from ansinh.identity.audit import record_event
from ansinh.identity.citizens import citizen_person
from ansinh.identity.models import Account, AssuranceLevel, DatePrecision, Person, SecurityEventKind, SignInMethod
from ansinh.identity.sessions import TokenPair, start_session

CHALLENGE_TTL_SECONDS = 300
CHALLENGE_KEY = "chipid-challenge:{}"
NONCE_BYTES = 8
CHALLENGE_LIMIT = RateLimit(count=30, window=15 * 60)
VERIFY_LIMIT = RateLimit(count=10, window=15 * 60)
ACTIVATE_LIMIT_PER_IP = RateLimit(count=30, window=60)
ACTIVATE_LIMIT_PER_SI_CODE = RateLimit(count=10, window=15 * 60)

# The checks in the order they run; a check after a failed one is "not_run".
CHECKS = (
    "sod_signature",
    "document_signer_chain",
    "certificate_validity",
    "data_group_hashes",
    "identity_dg13",
    "identity_mrz",
    "document_expiry",
    "active_authentication",
)
PASSED, FAILED, NOT_RUN, NOT_SUPPORTED = "passed", "failed", "not_run", "not_supported"
_DG13_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


class ChipFileMalformed(DomainError):
    status_code = 422
    slug = "chip-file-malformed"
    title = "Chip file cannot be read"
    default_en = "A file read from the chip cannot be understood. Read the card again."
    default_vi = "Không đọc được một tệp từ chip. Vui lòng đọc lại thẻ."


class ChipCheckFailed(DomainError):
    status_code = 422
    slug = "chip-id-check-failed"
    title = "Chip ID not verified"
    default_en = "The chip citizen-ID card could not be verified."
    default_vi = "Không xác thực được thẻ căn cước gắn chip."


class ChipIdUnavailable(DomainError):
    status_code = 503
    slug = "chip-id-unavailable"
    title = "Chip ID verification unavailable"
    default_en = "Chip ID verification is not available right now. Please try again later."
    default_vi = "Chức năng xác thực thẻ gắn chip tạm thời không khả dụng. Vui lòng thử lại sau."


@dataclass(frozen=True, slots=True)
class ChipFiles:
    """What the reader sends: the raw files and, for active authentication, the chip's answer to our nonce."""

    sod: bytes
    dg1: bytes
    dg13: bytes
    dg15: bytes | None = None
    dg14: bytes | None = None
    aa_signature: bytes | None = None
    challenge_id: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFiles:
    sod: lds.SecurityObject
    mrz: lds.Mrz
    dg13: lds.Dg13
    dg15: Any | None
    dg14_aa_algorithm: str | None
    raw: dict[int, bytes]


@dataclass
class Report:
    """The outcome of every check, and what the record keeps."""

    checks: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHECKS, NOT_RUN))
    failure: CheckFailed | None = None
    passive: PassiveResult | None = None
    aa_algorithm: str | None = None
    document_last_digits: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None

    def fail(self, failure: CheckFailed) -> "Report":
        self.checks[failure.check] = FAILED
        self.failure = failure
        return self


# --- challenges -----------------------------------------------------------------------------------------------------


async def issue_challenge(
    store: SharedStore, *, account_id: int | None = None, si_code: str | None = None
) -> tuple[str, bytes]:
    """A fresh 8-byte nonce for active authentication, single use, 5 minutes, bound to an account or an SI code."""
    owner = f"account:{account_id}" if account_id is not None else f"si:{si_code}"
    await hit(store, f"chipid-challenge:{owner}", CHALLENGE_LIMIT)
    challenge_id, nonce = secrets.token_urlsafe(24), secrets.token_bytes(NONCE_BYTES)
    value = json.dumps({"nonce": nonce.hex(), "account_id": account_id, "si_code": si_code}).encode()
    await store.set(CHALLENGE_KEY.format(challenge_id), value, CHALLENGE_TTL_SECONDS)
    return challenge_id, nonce


async def take_challenge(
    store: SharedStore, challenge_id: str, *, account_id: int | None = None, si_code: str | None = None
) -> bytes:
    """Consume the challenge (gone whatever happens next); CheckFailed if expired, used, or someone else's."""
    raw = await store.take(CHALLENGE_KEY.format(challenge_id))
    data = json.loads(raw) if raw else None
    if data is None or data.get("account_id") != account_id or data.get("si_code") != si_code:
        raise CheckFailed(
            "active_authentication",
            "The challenge for the chip has expired or was already used. Ask for a new one and read the card again.",
            "Mã thử thách cho chip đã hết hạn hoặc đã được dùng. Hãy lấy mã mới và đọc lại thẻ.",
        )
    return bytes.fromhex(data["nonce"])


# --- parsing and the identity match ---------------------------------------------------------------------------------


def parse_files(files: ChipFiles) -> ParsedFiles:
    """Parse every file at the boundary; a malformed one is a 422 naming it, never a 500."""
    try:
        raw = {1: files.dg1, 13: files.dg13}
        if files.dg15 is not None:
            raw[15] = files.dg15
        if files.dg14 is not None:
            raw[14] = files.dg14
        return ParsedFiles(
            sod=lds.parse_sod(files.sod),
            mrz=lds.parse_dg1(files.dg1),
            dg13=lds.parse_dg13(files.dg13),
            dg15=lds.parse_dg15(files.dg15) if files.dg15 is not None else None,
            dg14_aa_algorithm=lds.parse_dg14_aa_algorithm(files.dg14) if files.dg14 is not None else None,
            raw=raw,
        )
    except lds.MalformedFile as exc:
        raise ChipFileMalformed(
            f"The file {exc.file.upper()} read from the chip cannot be understood ({exc.reason}). Read the card again.",
            f"Không đọc được tệp {exc.file.upper()} từ chip. Vui lòng đọc lại thẻ.",
            extra={"file": exc.file},
        ) from exc


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def mrz_name(full_name: str) -> str:
    """How a Vietnamese name is written in the MRZ: no diacritics (Đ → D), ``SURNAME<<GIVEN<NAMES``."""
    plain = unicodedata.normalize("NFD", full_name.replace("Đ", "D").replace("đ", "d"))
    words = "".join(c for c in plain if not unicodedata.combining(c)).upper().split()
    words = ["".join(c for c in w if "A" <= c <= "Z") for w in words]
    return (words[0] + "<<" + "<".join(words[1:])) if words else ""


def mrz_name_matches(written: str, expected: str) -> bool:
    """The MRZ name is the expected one, or its truncation when the line is full (Doc 9303 part 3 §4.6).

    A full line may have had its names shortened, even to initials: the surname must then start alike and
    every given name written must begin the corresponding one.
    """
    if written == expected:
        return True
    if len(written) < 30:
        return False
    surname, _, given = written.partition("<<")
    want_surname, _, want_given = expected.partition("<<")
    if not surname or not want_surname.startswith(surname):
        return False
    names, wanted = [n for n in given.split("<") if n], want_given.split("<")
    return len(names) <= len(wanted) and all(w.startswith(n) for n, w in zip(names, wanted, strict=False))


def _dg13_birth_matches(person: Person, value: str | None) -> bool:
    if value is None:
        return False
    value = value.strip()
    match = _DG13_DATE.match(value)
    year = int(match.group(3)) if match else int(value) if value.isdigit() and len(value) == 4 else None
    if person.birth_date_precision == DatePrecision.YEAR:
        return year == person.date_of_birth.year
    return match is not None and person.date_of_birth.strftime("%d/%m/%Y") == value


def _dg13_sex(value: str | None) -> str | None:
    normal = _normal(value or "")
    return {"nam": "M", "nữ": "F", "nu": "F", "m": "M", "f": "F"}.get(normal)


def _mismatch(check: str, fields: list[str], *, reveal: bool) -> CheckFailed:
    if not reveal:
        # Anonymous activation: say nothing about which detail of the registry differs.
        return CheckFailed(
            check,
            "This card does not belong to the person with this SI code.",
            "Thẻ này không phải của người có mã số BHXH này.",
        )
    source = "chip data (DG13)" if check == "identity_dg13" else "machine-readable zone (DG1)"
    return CheckFailed(
        check,
        f"The card names someone else: its {source} does not match your {', '.join(fields)}.",
        "Thẻ này mang thông tin của người khác, không khớp với tài khoản của bạn.",
    )


def match_dg13(person: Person, dg13: lds.Dg13, *, reveal: bool = True) -> None:
    """DG13's citizen ID, name, birth date and sex must be the person's."""
    wrong = []
    if (dg13.first(1) or "").strip() != person.citizen_id:
        wrong.append("citizen ID")
    if _normal(dg13.first(2) or "") != _normal(person.full_name):
        wrong.append("name")
    if not _dg13_birth_matches(person, dg13.first(3)):
        wrong.append("date of birth")
    if _dg13_sex(dg13.first(4)) != person.sex:
        wrong.append("sex")
    if wrong:
        raise _mismatch("identity_dg13", wrong, reveal=reveal)


def match_mrz(person: Person, mrz: lds.Mrz, *, reveal: bool = True) -> None:
    """The MRZ's check digits must add up, and its number, birth date, sex and name must be the person's."""
    bad_digits = lds.mrz_check_digit_failures(mrz)
    if bad_digits:
        raise CheckFailed(
            "identity_mrz",
            f"The card's machine-readable zone is inconsistent (check digit of {', '.join(bad_digits)}).",
            "Vùng đọc máy (MRZ) của thẻ không hợp lệ (sai số kiểm tra).",
        )
    wrong = []
    optional_id = mrz.optional_data[:12]
    if mrz.document_number not in (person.citizen_id[-9:], person.citizen_id) or (
        len(optional_id) == 12 and optional_id.isdigit() and optional_id != person.citizen_id
    ):
        wrong.append("citizen ID")
    birth = person.date_of_birth.strftime("%y%m%d")
    if person.birth_date_precision == DatePrecision.YEAR:
        birth_ok = mrz.birth_date[:2] == birth[:2]
    else:
        birth_ok = mrz.birth_date == birth
    if not birth_ok:
        wrong.append("date of birth")
    if mrz.sex != person.sex:
        wrong.append("sex")
    if not mrz_name_matches(mrz.name, mrz_name(person.full_name)):
        wrong.append("name")
    if wrong:
        raise _mismatch("identity_mrz", wrong, reveal=reveal)


def check_document_expiry(mrz: lds.Mrz, *, today: date) -> None:
    """The card itself must not have expired: an expired CCCD no longer proves who holds it."""
    expiry = mrz_expiry(mrz.expiry_date)
    if expiry is not None and expiry < today:
        raise CheckFailed(
            "document_expiry",
            f"This citizen-ID card expired on {expiry:%d/%m/%Y}; renew it, then verify the new card.",
            f"Thẻ căn cước này đã hết hạn ngày {expiry:%d/%m/%Y}; hãy làm thẻ mới rồi xác thực lại.",
        )


def mrz_expiry(text: str) -> date | None:
    """The MRZ's YYMMDD expiry (cards are 21st-century); None when the field holds no date (a card for life)."""
    if len(text) != 6 or not text.isdigit():
        return None
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        return None


# --- the checks in order --------------------------------------------------------------------------------------------


def trust_store(settings: Settings) -> TrustStore:
    """The configured CSCA trust store; 503 when none is configured or readable."""
    store = trust_store_at(settings.csca_path)
    if store is None or not store.certificates:
        raise ChipIdUnavailable()
    return store


async def evaluate(
    store: SharedStore,
    parsed: ParsedFiles,
    files: ChipFiles,
    *,
    trust: TrustStore,
    person: Person | None,
    reveal: bool,
    binding: dict[str, Any],
    now: datetime,
    before_active: Callable[[Person], None] | None = None,
) -> Report:
    """Run passive authentication, the identity match, then active authentication; stop at the first failure.

    ``before_active`` may refuse the request (a domain error) once the person is known, before the nonce is spent.
    """
    report = Report()
    try:
        report.passive = await anyio.to_thread.run_sync(
            lambda: passive_authentication(parsed.sod, parsed.raw, trust=trust, now=now)
        )
    except CheckFailed as failure:
        # Checks before the failed one passed: they run in order and each raises only its own name.
        for name in CHECKS[: CHECKS.index(failure.check)]:
            report.checks[name] = PASSED
        return report.fail(failure)
    for name in CHECKS[:4]:
        report.checks[name] = PASSED
    # Only now is anything in the files to be believed.
    citizen_id = (parsed.dg13.first(1) or parsed.mrz.document_number).strip()
    report.document_last_digits = citizen_id[-4:] if citizen_id[-4:].isdigit() else None
    try:
        if person is None:
            raise _mismatch("identity_dg13", [], reveal=False)
        match_dg13(person, parsed.dg13, reveal=reveal)
        report.checks["identity_dg13"] = PASSED
        match_mrz(person, parsed.mrz, reveal=reveal)
        report.checks["identity_mrz"] = PASSED
        check_document_expiry(parsed.mrz, today=today_vn(now))
        report.checks["document_expiry"] = PASSED
    except CheckFailed as failure:
        return report.fail(failure)
    if before_active is not None:
        before_active(person)
    if 15 not in report.passive.listed_data_groups:
        report.checks["active_authentication"] = NOT_SUPPORTED
        return report
    try:
        # The SOD says this chip holds an AA key: without its proof, the files could be a copy.
        if parsed.dg15 is None or files.aa_signature is None or files.challenge_id is None:
            raise CheckFailed(
                "active_authentication",
                "This card can prove it is the original (active authentication): read it again with a challenge.",
                "Thẻ này hỗ trợ xác thực chủ động: hãy lấy mã thử thách và đọc lại thẻ.",
            )
        nonce = await take_challenge(store, files.challenge_id, **binding)
        report.aa_algorithm = verify_active_authentication(
            parsed.dg15, nonce=nonce, signature=files.aa_signature, dg14_algorithm=parsed.dg14_aa_algorithm
        )
        report.checks["active_authentication"] = PASSED
    except CheckFailed as failure:
        return report.fail(failure)
    return report


def _record(
    db: AsyncSession, *, account_id: int, purpose: str, report: Report, context: RequestContext
) -> ChipVerification:
    passive = report.passive
    verification = ChipVerification(
        account_id=account_id,
        purpose=purpose,
        outcome=VerificationOutcome.PASSED if report.passed else VerificationOutcome.FAILED,
        failed_check=report.failure.check if report.failure else None,
        checks=dict(report.checks),
        data_groups=list(passive.data_groups) if passive else [],
        document_last_digits=report.document_last_digits,
        ds_fingerprint=passive.ds_fingerprint if passive else None,
        csca_fingerprint=passive.csca_fingerprint if passive else None,
        digest_algorithm=passive.digest_algorithm if passive else None,
        signature_algorithm=passive.signature_algorithm if passive else None,
        aa_algorithm=report.aa_algorithm,
    )
    db.add(verification)
    detail = {"purpose": purpose, "outcome": verification.outcome}
    if report.failure:
        detail["failed_check"] = report.failure.check
    if report.document_last_digits:
        detail["document"] = f"…{report.document_last_digits}"
    kind = SecurityEventKind.CHIP_VERIFIED if report.passed else SecurityEventKind.CHIP_VERIFICATION_FAILED
    record_event(db, account_id=account_id, kind=kind, context=context, **detail)
    return verification


def _raise_failure(report: Report) -> None:
    failure = report.failure
    assert failure is not None
    raise ChipCheckFailed(
        failure.detail_en, failure.detail_vi, extra={"failed_check": failure.check, "checks": report.checks}
    )


def encode_nonce(nonce: bytes) -> str:
    """The nonce as the API sends it (base64)."""
    return base64.b64encode(nonce).decode()


# --- the two uses ---------------------------------------------------------------------------------------------------


async def verify_for_account(
    db: AsyncSession,
    store: SharedStore,
    *,
    settings: Settings,
    account_id: int,
    files: ChipFiles,
    context: RequestContext,
) -> tuple[Report, ChipVerification, Account]:
    """A signed-in citizen proves they hold their card; success raises the account to ``chip_verified``."""
    await hit(store, f"chipid-verify:{account_id}", VERIFY_LIMIT)
    person = await citizen_person(db, account_id=account_id)
    trust = trust_store(settings)
    parsed = parse_files(files)
    report = await evaluate(
        store,
        parsed,
        files,
        trust=trust,
        person=person,
        reveal=True,
        binding={"account_id": account_id},
        now=utcnow(),
    )
    if report.passed:
        await identity.raise_assurance(db, account_id=account_id, level=AssuranceLevel.CHIP_VERIFIED)
    account = await db.get(Account, account_id)  # the same row, as raised
    assert account is not None
    verification = _record(
        db, account_id=account_id, purpose=VerificationPurpose.VERIFY, report=report, context=context
    )
    await db.commit()
    if not report.passed:
        _raise_failure(report)
    return report, verification, account


async def activate_with_chip(
    db: AsyncSession,
    store: SharedStore,
    *,
    settings: Settings,
    si_code: str,
    password: str,
    files: ChipFiles,
    context: RequestContext,
) -> tuple[Report, TokenPair]:
    """Activate the account of the person with ``si_code`` when the chip files pass and name them; signs in."""
    await hit(store, f"chipid-activate-ip:{context.ip}", ACTIVATE_LIMIT_PER_IP)
    await hit(store, f"chipid-activate:{si_code}", ACTIVATE_LIMIT_PER_SI_CODE)
    identity.check_password_policy(password, username=si_code)
    trust = trust_store(settings)
    parsed = parse_files(files)
    person = (await db.exec(select(Person).where(Person.si_code == si_code))).first()
    report = await evaluate(
        store,
        parsed,
        files,
        trust=trust,
        person=person,
        reveal=False,
        binding={"si_code": si_code},
        now=utcnow(),
        # The password may not contain the person's own identifiers: checked once the card has named them,
        # before the challenge is spent, so the same chip answer can be sent again with a better password.
        before_active=lambda known: identity.check_password_policy(password, username=si_code, person=known),
    )
    if not report.passed:
        existing = (await db.exec(select(Account).where(Account.person_id == person.id))).first() if person else None
        if existing is not None and report.checks["identity_dg13"] != FAILED:
            # Only a card that names this person leaves a trace on their account.
            _record(db, account_id=existing.id, purpose=VerificationPurpose.ACTIVATE, report=report, context=context)  # type: ignore[arg-type]
            await db.commit()
        _raise_failure(report)
    assert person is not None
    account = await identity.activate_person(db, person=person, password=password, context=context, method="chip")
    account.assurance_level = AssuranceLevel.CHIP_VERIFIED
    _record(db, account_id=account.id, purpose=VerificationPurpose.ACTIVATE, report=report, context=context)  # type: ignore[arg-type]
    await db.commit()
    pair = await start_session(db, settings=settings, account=account, amr=SignInMethod.CHIP, context=context)
    return report, pair

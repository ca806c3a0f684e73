"""Sign-in, activation, password and contact rules (ASVS L2 / NIST SP 800-63B), testable without HTTP."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.core.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from ansinh.core.passwords import hash_password, verify_password
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.time import utcnow
from ansinh.identity.audit import record_event
from ansinh.identity.models import (
    Account,
    AccountRole,
    AccountStatus,
    AssuranceLevel,
    DatePrecision,
    Person,
    SecurityEventKind,
    SignInMethod,
)
from ansinh.identity.otp import (
    OtpSender,
    OutgoingMessage,
    consume_challenge,
    create_challenge,
    mask_destination,
    new_code,
)
from ansinh.identity.sessions import TokenPair, live_session_ids, revoke_sessions, start_session

MAX_PASSWORD_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
LOGIN_LIMIT_PER_IP = RateLimit(count=30, window=60)  # activation and password reset starts; sign-in's is a setting
OTP_SEND_LIMIT_PER_ACCOUNT = RateLimit(count=5, window=15 * 60)
BAD_CREDENTIALS = ("Wrong username or password.", "Tên đăng nhập hoặc mật khẩu không đúng.")


class AccountLocked(TooManyRequests):
    slug = "account-locked"
    title = "Password sign-in locked"
    default_en = "Too many wrong passwords. Password sign-in is paused for 15 minutes; a passkey still works."
    default_vi = (
        "Nhập sai mật khẩu quá nhiều lần. Đăng nhập bằng mật khẩu tạm khóa 15 phút; khóa truy cập vẫn dùng được."
    )


@lru_cache
def common_passwords() -> frozenset[str]:
    """The bundled list of passwords attackers try first."""
    text = (Path(__file__).parent / "data" / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password_policy(password: str, *, username: str | None = None, person: Person | None = None) -> None:
    """At least 8 characters, not a common password, not the user's own identifiers."""
    if len(password) < 8:
        raise InvalidInput("The password needs at least 8 characters.", "Mật khẩu cần ít nhất 8 ký tự.")
    lowered = password.lower()
    own = {username, *((person.si_code, person.citizen_id, person.phone) if person else ())} - {None}
    if lowered in common_passwords() or any(value and value in lowered for value in own):
        raise InvalidInput(
            "This password is too easy to guess; choose another.", "Mật khẩu này quá dễ đoán; hãy chọn mật khẩu khác."
        )


async def find_account(db: AsyncSession, username: str) -> tuple[Account, Person | None] | None:
    """Look an account up by SI code, 12-digit citizen ID or staff username."""
    if len(username) == 12 and username.isdigit():
        query = (
            select(Account, Person).join(Person, Account.person_id == Person.id).where(Person.citizen_id == username)
        )
        row = (await db.exec(query)).first()
        return (row[0], row[1]) if row else None
    account = (await db.exec(select(Account).where(Account.username == username))).first()
    if account is None:
        return None
    person = await db.get(Person, account.person_id) if account.person_id else None
    return account, person


def contact_on_record(account: Account, person: Person | None) -> tuple[str, str] | None:
    """Where codes for this account go: the phone, else the e-mail on record (staff: their e-mail)."""
    if person is not None:
        if person.phone:
            return "sms", person.phone
        if person.email:
            return "email", person.email
        return None
    return ("email", account.email) if account.email else None


@dataclass(frozen=True, slots=True)
class Services:
    """What the identity rules need from the app."""

    settings: Settings
    store: SharedStore
    sender: OtpSender


async def send_code(
    services: Services,
    *,
    purpose: str,
    account_id: int | None,
    channel: str,
    destination: str,
    text_template: str,
    data: dict[str, str] | None = None,
) -> str:
    """Create a challenge and deliver its code; returns the challenge id."""
    await hit(services.store, f"otp-send:{account_id}:{purpose}", OTP_SEND_LIMIT_PER_ACCOUNT)
    code = new_code()
    challenge_id = await create_challenge(
        services.store,
        secret_key=services.settings.secret_key,
        purpose=purpose,
        account_id=account_id,
        code=code,
        data=data,
    )
    await services.sender.send(OutgoingMessage(channel, destination, text_template.format(code=code)))
    return challenge_id


async def _decoy_challenge(services: Services, purpose: str) -> str:
    """A challenge no code can open, so answers look the same whether or not the account exists."""
    return await create_challenge(
        services.store, secret_key=services.settings.secret_key, purpose=purpose, account_id=None, code=new_code()
    )


async def login(
    db: AsyncSession, services: Services, *, username: str, password: str, context: RequestContext
) -> tuple[str, str | None]:
    """Check the password and send an OTP; returns (challenge id, masked destination)."""
    store = services.store
    key = username.strip().lower()
    settings = services.settings
    await hit(store, f"login-ip:{context.ip}", RateLimit(count=settings.sign_in_limit_per_ip, window=60))
    await hit(store, f"login-user:{key}", RateLimit(count=settings.sign_in_limit_per_account, window=60))
    if await store.get(f"lock:{key}") is not None:
        raise AccountLocked(headers={"Retry-After": str(max(1, await store.ttl(f"lock:{key}")))})
    found = await find_account(db, username.strip())
    account, person = found if found else (None, None)
    usable = account is not None and account.status == AccountStatus.ACTIVE
    ok = await verify_password(account.password_hash if usable and account else None, password)
    if not ok:
        # Lockout is counted by the name typed, existing or not, so it reveals nothing.
        failures = await store.incr(f"pwfail:{key}", LOCKOUT_SECONDS)
        if account is not None:
            record_event(db, account_id=account.id, kind=SecurityEventKind.SIGN_IN_FAILED, context=context)  # type: ignore[arg-type]
        if failures >= MAX_PASSWORD_FAILURES:
            await store.set(f"lock:{key}", b"1", LOCKOUT_SECONDS)
            await store.delete(f"pwfail:{key}")
            if account is not None:
                record_event(db, account_id=account.id, kind=SecurityEventKind.ACCOUNT_LOCKED, context=context)  # type: ignore[arg-type]
        await db.commit()
        raise Unauthenticated(*BAD_CREDENTIALS)
    assert account is not None
    await store.delete(f"pwfail:{key}")
    destination = contact_on_record(account, person)
    if destination is None:
        raise InvalidInput(
            "No phone or e-mail is on record for this account; please contact your social insurance office.",
            "Tài khoản chưa có số điện thoại hoặc e-mail; vui lòng liên hệ cơ quan BHXH.",
        )
    channel, address = destination
    challenge_id = await send_code(
        services,
        purpose="login",
        account_id=account.id,
        channel=channel,
        destination=address,
        text_template="AnSinh: ma dang nhap cua ban la {code}. Khong chia se ma nay. / Your sign-in code: {code}",
    )
    record_event(db, account_id=account.id, kind=SecurityEventKind.OTP_SENT, context=context, channel=channel)  # type: ignore[arg-type]
    await db.commit()
    return challenge_id, mask_destination(address)


async def verify_login_otp(
    db: AsyncSession, services: Services, *, challenge_id: str, code: str, context: RequestContext
) -> TokenPair:
    """Second factor: a right code opens a session."""
    await hit(
        services.store, f"otp-ip:{context.ip}", RateLimit(count=services.settings.sign_in_limit_per_ip, window=60)
    )
    challenge = await consume_challenge(
        services.store, secret_key=services.settings.secret_key, challenge_id=challenge_id, code=code, purpose="login"
    )
    account = await db.get(Account, challenge.account_id) if challenge.account_id else None
    if account is None or account.status != AccountStatus.ACTIVE:
        raise Unauthenticated()
    return await start_session(
        db, settings=services.settings, account=account, amr=SignInMethod.PASSWORD_OTP, context=context
    )


def _birth_date_matches(person: Person, given: date) -> bool:
    if person.birth_date_precision == DatePrecision.YEAR:
        return person.date_of_birth.year == given.year
    return person.date_of_birth == given


async def start_activation(
    db: AsyncSession, services: Services, *, si_code: str, citizen_id: str, date_of_birth: date, context: RequestContext
) -> str:
    """Send an activation code to the contact on record when the facts match; always answer alike."""
    await hit(services.store, f"activate-ip:{context.ip}", LOGIN_LIMIT_PER_IP)
    person = (await db.exec(select(Person).where(Person.si_code == si_code))).first()
    if person is None or person.citizen_id != citizen_id or not _birth_date_matches(person, date_of_birth):
        return await _decoy_challenge(services, "activate")
    account = (await db.exec(select(Account).where(Account.person_id == person.id))).first()
    destination = contact_on_record(account or Account(username=si_code, person_id=person.id), person)
    if destination is None:
        return await _decoy_challenge(services, "activate")
    channel, address = destination
    if account is not None and account.status == AccountStatus.ACTIVE:
        # Tell the owner, not the requester, that the account already exists.
        await services.sender.send(
            OutgoingMessage(
                channel,
                address,
                "AnSinh: tai khoan cua ban da duoc kich hoat. Neu quen mat khau, hay dung 'Quen mat khau'. "
                "/ Your account is already active; use 'Forgot password' if needed.",
            )
        )
        return await _decoy_challenge(services, "activate")
    return await send_code(
        services,
        purpose="activate",
        account_id=account.id if account else None,
        channel=channel,
        destination=address,
        data={"person_id": str(person.id)},
        text_template="AnSinh: ma kich hoat tai khoan {code}. / Your activation code: {code}",
    )


class AccountAlreadyActive(Conflict):
    slug = "account-already-active"
    title = "Account already active"
    default_en = "This account is already active. Sign in, or use 'Forgot password' if needed."
    default_vi = "Tài khoản đã được kích hoạt. Hãy đăng nhập, hoặc dùng 'Quên mật khẩu' nếu cần."


async def activate_person(
    db: AsyncSession, *, person: Person, password: str, context: RequestContext, **detail: str
) -> Account:
    """Set the first password of a registry person's account and activate it; the caller commits."""
    check_password_policy(password, username=person.si_code, person=person)
    account = (await db.exec(select(Account).where(Account.person_id == person.id))).first()
    if account is None:
        account = Account(username=person.si_code, person_id=person.id, role=AccountRole.CITIZEN)
        db.add(account)
    if account.status == AccountStatus.ACTIVE:
        raise AccountAlreadyActive()
    account.password_hash = await hash_password(password)
    account.password_changed_at = utcnow()
    account.status = AccountStatus.ACTIVE
    await db.flush()
    record_event(db, account_id=account.id, kind=SecurityEventKind.ACCOUNT_ACTIVATED, context=context, **detail)  # type: ignore[arg-type]
    return account


async def confirm_activation(
    db: AsyncSession, services: Services, *, challenge_id: str, code: str, password: str, context: RequestContext
) -> None:
    """Set the first password and activate the account."""
    challenge = await consume_challenge(
        services.store,
        secret_key=services.settings.secret_key,
        challenge_id=challenge_id,
        code=code,
        purpose="activate",
    )
    person_id = int(challenge.data.get("person_id", 0))
    person = await db.get(Person, person_id) if person_id else None
    if person is None:
        raise Unauthenticated()
    try:
        await activate_person(db, person=person, password=password, context=context)
    except AccountAlreadyActive:
        raise Unauthenticated() from None  # a code was never sent for an active account: as good as unknown
    await db.commit()


async def start_password_reset(db: AsyncSession, services: Services, *, username: str, context: RequestContext) -> str:
    """Send a reset code to the contact on record of an active account; always answer alike."""
    await hit(services.store, f"reset-ip:{context.ip}", LOGIN_LIMIT_PER_IP)
    found = await find_account(db, username.strip())
    if found is None or found[0].status != AccountStatus.ACTIVE:
        return await _decoy_challenge(services, "reset")
    account, person = found
    destination = contact_on_record(account, person)
    if destination is None:
        return await _decoy_challenge(services, "reset")
    channel, address = destination
    challenge_id = await send_code(
        services,
        purpose="reset",
        account_id=account.id,
        channel=channel,
        destination=address,
        text_template="AnSinh: ma dat lai mat khau {code}. / Your password reset code: {code}",
    )
    record_event(
        db,
        account_id=account.id,
        kind=SecurityEventKind.OTP_SENT,
        context=context,
        channel=channel,  # type: ignore[arg-type]
        purpose="reset",
    )
    await db.commit()
    return challenge_id


async def confirm_password_reset(
    db: AsyncSession, services: Services, *, challenge_id: str, code: str, password: str, context: RequestContext
) -> None:
    """Set a new password and end every session of the account."""
    challenge = await consume_challenge(
        services.store, secret_key=services.settings.secret_key, challenge_id=challenge_id, code=code, purpose="reset"
    )
    account = await db.get(Account, challenge.account_id) if challenge.account_id else None
    if account is None or account.status != AccountStatus.ACTIVE:
        raise Unauthenticated()
    person = await db.get(Person, account.person_id) if account.person_id else None
    check_password_policy(password, username=account.username, person=person)
    account.password_hash = await hash_password(password)
    account.password_changed_at = utcnow()
    await revoke_sessions(
        db,
        services.store,
        session_ids=await live_session_ids(db, account.id),  # type: ignore[arg-type]
        reason="password_reset",
    )
    await services.store.delete(f"lock:{account.username.lower()}")
    record_event(db, account_id=account.id, kind=SecurityEventKind.PASSWORD_RESET, context=context)  # type: ignore[arg-type]
    await db.commit()


async def change_password(
    db: AsyncSession,
    services: Services,
    *,
    account_id: int,
    session_id: str | None,
    current: str,
    new: str,
    context: RequestContext,
) -> None:
    """Change the password (the current one is required) and sign out every other session."""
    await hit(services.store, f"pwchange:{account_id}", RateLimit(count=5, window=15 * 60))
    account = await db.get(Account, account_id)
    if account is None or not await verify_password(account.password_hash, current):
        raise InvalidInput("The current password is wrong.", "Mật khẩu hiện tại không đúng.")
    person = await db.get(Person, account.person_id) if account.person_id else None
    check_password_policy(new, username=account.username, person=person)
    account.password_hash = await hash_password(new)
    account.password_changed_at = utcnow()
    others = await live_session_ids(db, account_id, except_id=session_id)
    await revoke_sessions(db, services.store, session_ids=others, reason="password_changed")
    record_event(db, account_id=account_id, kind=SecurityEventKind.PASSWORD_CHANGED, context=context)
    await db.commit()
    destination = contact_on_record(account, person)
    if destination:
        await services.sender.send(
            OutgoingMessage(
                destination[0],
                destination[1],
                "AnSinh: mat khau cua ban vua duoc thay doi. / Your password was just changed.",
            )
        )


def birth_date_text(person: Person) -> str:
    """The birth date as known: ``YYYY-MM-DD``, or ``YYYY`` when only the year is on record."""
    if person.birth_date_precision == DatePrecision.YEAR:
        return f"{person.date_of_birth.year:04d}"
    return person.date_of_birth.isoformat()


def birth_date_matches(person: Person, given: str) -> bool:
    """A full date must match a full date on record; a year-only record matches on the year."""
    if person.birth_date_precision == DatePrecision.YEAR:
        return given[:4] == f"{person.date_of_birth.year:04d}"
    return given == person.date_of_birth.isoformat()


async def correct_person(db: AsyncSession, *, person_id: int, changes: dict[str, str]) -> dict[str, Any]:
    """Apply an approved correction of registry fields (a birth date becomes day-precise); the values before, as
    JSON (in the caller's transaction)."""
    person = await db.get(Person, person_id)
    if person is None:
        raise NotFound()
    before = {name: _jsonable(getattr(person, name)) for name in changes}
    for name, value in changes.items():
        setattr(person, name, date.fromisoformat(value) if name == "date_of_birth" else value)
    if "date_of_birth" in changes:
        person.birth_date_precision = DatePrecision.DAY
    db.add(person)
    return before


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


async def raise_assurance(db: AsyncSession, *, account_id: int, level: AssuranceLevel) -> None:
    """The account's identity assurance is now ``level`` (a chip-ID check passed; in the caller's transaction)."""
    account = await db.get(Account, account_id)
    if account is None:
        raise NotFound()
    account.assurance_level = level
    db.add(account)


async def load_account(db: AsyncSession, account_id: int) -> tuple[Account, Person | None]:
    """The signed-in account and its registry person; 401 if it is gone or disabled."""
    account = await db.get(Account, account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        raise Unauthenticated()
    person = await db.get(Person, account.person_id) if account.person_id else None
    return account, person


async def request_contact_change(
    db: AsyncSession,
    services: Services,
    *,
    account_id: int,
    phone: str | None,
    email: str | None,
    context: RequestContext,
) -> str:
    """Send a code to the new contact; the change happens only when that code comes back."""
    account, person = await load_account(db, account_id)
    if person is None:
        raise InvalidInput(
            "Staff contacts are managed by administrators.", "Liên hệ của cán bộ do quản trị viên quản lý."
        )
    channel, destination, field = ("sms", phone, "phone") if phone else ("email", email, "email")
    assert destination is not None
    return await send_code(
        services,
        purpose="contact",
        account_id=account.id,
        channel=channel,
        destination=destination,
        data={"field": field, "value": destination},
        text_template="AnSinh: ma xac nhan lien he moi {code}. / Code to confirm your new contact: {code}",
    )


async def confirm_contact_change(
    db: AsyncSession, services: Services, *, account_id: int, challenge_id: str, code: str, context: RequestContext
) -> Person:
    """Apply the confirmed contact and tell the old one."""
    challenge = await consume_challenge(
        services.store,
        secret_key=services.settings.secret_key,
        challenge_id=challenge_id,
        code=code,
        purpose="contact",
    )
    if challenge.account_id != account_id:
        raise Unauthenticated()
    _, person = await load_account(db, account_id)
    assert person is not None
    field, value = challenge.data["field"], challenge.data["value"]
    old = getattr(person, field)
    setattr(person, field, value)
    record_event(db, account_id=account_id, kind=SecurityEventKind.CONTACT_CHANGED, context=context, field=field)
    await db.commit()
    if old:
        await services.sender.send(
            OutgoingMessage(
                "sms" if field == "phone" else "email",
                old,
                f"AnSinh: {field} cua tai khoan vua duoc doi sang {mask_destination(value)}. Neu khong phai ban, "
                f"hay lien he BHXH ngay. / Your {field} was changed to {mask_destination(value)}.",
            )
        )
    return person


# --- the registry, for other domains ----------------------------------------------------------------------------

SI_CODE_LOCK = 7_230_001  # pg_advisory_xact_lock key: one SI code handed out at a time


async def persons_by_si_code(db: AsyncSession, si_codes: list[str]) -> dict[str, Person]:
    """The registered persons among ``si_codes``, by SI code."""
    if not si_codes:
        return {}
    rows = (await db.exec(select(Person).where(col(Person.si_code).in_(si_codes)))).all()
    return {person.si_code: person for person in rows}


async def persons_by_citizen_id(db: AsyncSession, citizen_ids: list[str]) -> dict[str, Person]:
    """The registered persons among ``citizen_ids``, by citizen ID."""
    if not citizen_ids:
        return {}
    rows = (await db.exec(select(Person).where(col(Person.citizen_id).in_(citizen_ids)))).all()
    return {person.citizen_id: person for person in rows}


async def register_person(
    db: AsyncSession,
    *,
    full_name: str,
    date_of_birth: date,
    sex: str,
    citizen_id: str,
    province_code: str,
) -> Person:
    """Register a person new to social insurance and give them the next SI code of the province (not committed)."""
    await db.exec(select(func.pg_advisory_xact_lock(SI_CODE_LOCK)))
    highest = (
        await db.exec(select(func.max(Person.si_code)).where(col(Person.si_code).startswith(province_code)))
    ).one()
    number = int(highest[2:]) + 1 if highest else 1
    person = Person(
        si_code=f"{province_code}{number:08d}",
        citizen_id=citizen_id,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        province_code=province_code,
    )
    db.add(person)
    await db.flush()
    return person

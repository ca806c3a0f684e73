"""Households: the head's view, adding and removing members, consent, leaving, and the audit trail."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import DEAD_STATUSES, CardStatus, HealthInsuranceCard
from ansinh.core.errors import Conflict, Forbidden, NotFound
from ansinh.core.pagination import fetch_page
from ansinh.core.time import today_vn, utcnow
from ansinh.households.models import (
    ConsentState,
    Household,
    HouseholdEvent,
    HouseholdMember,
    HouseholdPaymentLine,
    PaymentStatus,
    Relation,
)
from ansinh.households.schemas import (
    HouseholdEventPublic,
    HouseholdPublic,
    InvitationPublic,
    MemberAdd,
    MemberPublic,
)
from ansinh.identity.citizens import citizen_person_id
from ansinh.identity.models import DatePrecision, Person
from ansinh.identity.service import birth_date_matches, birth_date_text

HOUSEHOLD_GROUP = "GD"  # beneficiary group of household-enrolled HI (hộ gia đình)
ADULT_AGE = 18
VISIBLE_CONSENT = (ConsentState.NOT_REQUIRED, ConsentState.GIVEN)


class NotInHousehold(NotFound):
    slug = "not-in-household"
    title = "No household"
    default_en = "You do not belong to a household yet."
    default_vi = "Bạn chưa thuộc hộ gia đình nào."


class NotHead(Forbidden):
    slug = "not-household-head"
    title = "Only the head of household"
    default_en = "Only the head of household can do this."
    default_vi = "Chỉ chủ hộ mới thực hiện được thao tác này."


# --- rules (pure) -------------------------------------------------------------------------------------------------


def age_on(person: Person, today: date) -> int:
    """Age in whole years; with only the birth year known, the oldest the person can be (consent errs safe)."""
    birth = person.date_of_birth
    if person.birth_date_precision == DatePrecision.YEAR:
        birth = date(birth.year, 1, 1)
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def covered_elsewhere(card: HealthInsuranceCard | None, today: date) -> bool:
    """A card in force under another scheme (employer, pension, pupil, state budget…) excludes household HI."""
    return (
        card is not None
        and card.status == CardStatus.ACTIVE
        and card.beneficiary_group != HOUSEHOLD_GROUP
        and card.valid_from <= today <= card.valid_to
    )


def card_state(card: HealthInsuranceCard | None, today: date) -> str | None:
    """active, suspended or expired (from the dates); None without a card."""
    if card is None:
        return None
    if card.status == CardStatus.ACTIVE and card.valid_to < today:
        return "expired"
    return card.status


# --- loading ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRow:
    member: HouseholdMember
    person: Person
    card: HealthInsuranceCard | None


async def my_household(db: AsyncSession, *, person_id: int) -> tuple[Household, HouseholdMember]:
    """The household the person belongs to and their membership; NotInHousehold otherwise."""
    row = (
        await db.exec(
            select(Household, HouseholdMember)
            .join(HouseholdMember, col(HouseholdMember.household_id) == col(Household.id))
            .where(HouseholdMember.person_id == person_id)
        )
    ).first()
    if row is None:
        raise NotInHousehold()
    household, member = row
    if member.consent == ConsentState.PENDING:
        raise NotInHousehold(  # invited, not yet a member: the invitation is answered at /households/invitations
            "You have a household invitation to answer first.", "Bạn có lời mời vào hộ cần trả lời trước."
        )
    return household, member


async def headed_household(db: AsyncSession, *, account_id: int) -> tuple[Household, int]:
    """The household the caller heads, and the caller's person id; 403 for other members."""
    person_id = await citizen_person_id(db, account_id=account_id)
    household, _ = await my_household(db, person_id=person_id)
    if household.head_person_id != person_id:
        raise NotHead()
    return household, person_id


async def member_rows(db: AsyncSession, *, household_id: int) -> list[MemberRow]:
    """Every member with their person and non-revoked card, in enrolment order (one query)."""
    live_card = and_(
        col(HealthInsuranceCard.person_id) == col(Person.id), col(HealthInsuranceCard.status).not_in(DEAD_STATUSES)
    )
    rows = (
        await db.exec(
            select(HouseholdMember, Person, HealthInsuranceCard)
            .join(Person, col(Person.id) == col(HouseholdMember.person_id))
            .outerjoin(HealthInsuranceCard, live_card)
            .where(HouseholdMember.household_id == household_id)
            .order_by(col(HouseholdMember.enrolment_order))
        )
    ).all()
    return [MemberRow(m, p, c) for m, p, c in rows]


def member_public(row: MemberRow, *, head_person_id: int, today: date) -> MemberPublic:
    """A member line; an adult who has not consented shows who they are, not their card."""
    visible = row.member.consent in VISIBLE_CONSENT
    card = row.card if visible else None
    elsewhere = covered_elsewhere(card, today) if visible else None
    return MemberPublic(
        id=row.member.id,  # type: ignore[arg-type]
        si_code=row.person.si_code,
        name=row.person.full_name,
        birth_date=birth_date_text(row.person),
        relation=row.member.relation,
        enrolment_order=row.member.enrolment_order,
        is_head=row.person.id == head_person_id,
        consent=row.member.consent,  # type: ignore[arg-type]
        data_visible=visible,
        card_status=card_state(card, today),
        card_group=card.beneficiary_group if card else None,
        card_valid_to=card.valid_to if card else None,
        covered_by_other_scheme=elsewhere,
        needs_household_hi=None if elsewhere is None else not elsewhere,
    )


async def household_view(db: AsyncSession, *, account_id: int, now: datetime | None = None) -> HouseholdPublic:
    """The head sees every member; any other member sees the head and their own line only."""
    person_id = await citizen_person_id(db, account_id=account_id)
    household, _ = await my_household(db, person_id=person_id)
    today = today_vn(now)
    rows = await member_rows(db, household_id=household.id)  # type: ignore[arg-type]
    is_head = household.head_person_id == person_id
    shown = rows if is_head else [r for r in rows if r.person.id in (person_id, household.head_person_id)]
    head_name = next((r.person.full_name for r in rows if r.person.id == household.head_person_id), "")
    members = []
    for row in shown:
        line = member_public(row, head_person_id=household.head_person_id, today=today)
        if not is_head and row.person.id != person_id:  # the head's line, as another member sees it
            line = line.model_copy(
                update={
                    "si_code": None,
                    "birth_date": None,
                    "data_visible": False,
                    "card_status": None,
                    "card_group": None,
                    "card_valid_to": None,
                    "covered_by_other_scheme": None,
                    "needs_household_hi": None,
                }
            )
        members.append(line)
    return HouseholdPublic(
        code=household.code,
        address=household.address,
        province_code=household.province_code,
        head=head_name,
        you_are_head=is_head,
        members=members,
    )


# --- the audit trail ----------------------------------------------------------------------------------------------


def record(db: AsyncSession, *, household_id: int, actor_person_id: int | None, kind: str, **detail: Any) -> None:
    """Add an audit entry; the caller's commit writes it with the change it describes."""
    db.add(HouseholdEvent(household_id=household_id, actor_person_id=actor_person_id, kind=kind, detail=detail))


async def audit_trail(
    db: AsyncSession, *, account_id: int, limit: int, offset: int
) -> tuple[list[HouseholdEventPublic], int]:
    """The household's audit trail, newest first (head only)."""
    household, _ = await headed_household(db, account_id=account_id)
    query = (
        select(HouseholdEvent, Person.full_name)
        .outerjoin(Person, col(Person.id) == col(HouseholdEvent.actor_person_id))
        .order_by(col(HouseholdEvent.created_at).desc(), col(HouseholdEvent.id).desc())
    )
    rows, total = await fetch_page(
        db,
        query,
        count_from=HouseholdEvent,
        where=HouseholdEvent.household_id == household.id,
        limit=limit,
        offset=offset,
    )
    items = [
        HouseholdEventPublic(id=e.id, kind=e.kind, actor=name, detail=e.detail, created_at=e.created_at)  # type: ignore[arg-type]
        for e, name in rows
    ]
    return items, total


# --- changes ------------------------------------------------------------------------------------------------------


async def create_household(db: AsyncSession, *, account_id: int, address: str) -> HouseholdPublic:
    """Register a household headed by the caller (who must not belong to one)."""
    person_id = await citizen_person_id(db, account_id=account_id)
    existing = (await db.exec(select(HouseholdMember.id).where(HouseholdMember.person_id == person_id))).first()
    if existing is not None:
        raise Conflict("You already belong to a household.", "Bạn đã thuộc một hộ gia đình.")
    person = await db.get(Person, person_id)
    assert person is not None
    household = Household(
        code=f"HGD{person.province_code}{secrets.randbelow(10**9):09d}",
        address=address.strip(),
        province_code=person.province_code,
        head_person_id=person_id,
    )
    db.add(household)
    await db.flush()
    db.add(
        HouseholdMember(
            household_id=household.id,  # type: ignore[arg-type]
            person_id=person_id,
            relation=Relation.HEAD,
            enrolment_order=1,
            consent=ConsentState.NOT_REQUIRED,
        )
    )
    record(db, household_id=household.id, actor_person_id=person_id, kind="household_created")  # type: ignore[arg-type]
    try:
        await db.commit()
    except IntegrityError as exc:
        await db.rollback()
        raise Conflict("You already belong to a household.", "Bạn đã thuộc một hộ gia đình.") from exc
    return await household_view(db, account_id=account_id)


async def add_member(
    db: AsyncSession, *, account_id: int, request: MemberAdd, now: datetime | None = None
) -> MemberPublic:
    """Add a registered person after matching identity and birth date; adults must then consent."""
    household, head_id = await headed_household(db, account_id=account_id)
    today = today_vn(now)
    where = (
        Person.si_code == request.si_code if request.si_code is not None else Person.citizen_id == request.citizen_id
    )
    person = (await db.exec(select(Person).where(where))).first()
    if person is None or not birth_date_matches(person, request.date_of_birth):
        # One answer for "no such person" and "wrong birth date": the form is not an identity oracle.
        raise NotFound(
            "No registered person matches this identifier and birth date.",
            "Không có người nào khớp mã số và ngày sinh này.",
        )
    current = (await db.exec(select(HouseholdMember).where(HouseholdMember.person_id == person.id))).first()
    if current is not None:
        same = current.household_id == household.id
        raise Conflict(
            "This person is already a member of your household."
            if same
            else "This person belongs to another household.",
            "Người này đã là thành viên của hộ." if same else "Người này đã thuộc hộ gia đình khác.",
        )
    minor = age_on(person, today) < ADULT_AGE
    next_order = (
        await db.exec(
            select(func.coalesce(func.max(HouseholdMember.enrolment_order), 0)).where(
                HouseholdMember.household_id == household.id
            )
        )
    ).one() + 1
    member = HouseholdMember(
        household_id=household.id,  # type: ignore[arg-type]
        person_id=person.id,  # type: ignore[arg-type]
        relation=request.relation,
        enrolment_order=next_order,
        consent=ConsentState.NOT_REQUIRED if minor else ConsentState.PENDING,
    )
    db.add(member)
    record(
        db,
        household_id=household.id,  # type: ignore[arg-type]
        actor_person_id=head_id,
        kind="member_added",
        si_code=person.si_code,
        relation=request.relation,
        consent=member.consent,
    )
    try:
        await db.commit()
    except IntegrityError as exc:  # the same person added twice at once, or an order taken concurrently
        await db.rollback()
        raise Conflict() from exc
    card = (
        await db.exec(
            select(HealthInsuranceCard).where(
                HealthInsuranceCard.person_id == person.id, col(HealthInsuranceCard.status).not_in(DEAD_STATUSES)
            )
        )
    ).first()
    return member_public(MemberRow(member, person, card), head_person_id=head_id, today=today)


async def _pending_payment_for(db: AsyncSession, person_id: int) -> bool:
    return (
        await db.exec(
            select(HouseholdPaymentLine.id).where(
                HouseholdPaymentLine.person_id == person_id, HouseholdPaymentLine.status == PaymentStatus.PENDING
            )
        )
    ).first() is not None


async def remove_member(db: AsyncSession, *, account_id: int, member_id: int) -> None:
    """Remove a member (not the head, not while a payment for them is pending)."""
    household, head_id = await headed_household(db, account_id=account_id)
    member = await db.get(HouseholdMember, member_id)
    if member is None or member.household_id != household.id:
        raise NotFound("No such member in your household.", "Không có thành viên này trong hộ.")
    if member.person_id == head_id:
        raise Conflict("The head cannot be removed.", "Không thể xóa chủ hộ.")
    if await _pending_payment_for(db, member.person_id):
        raise Conflict(
            "A payment for this member is pending; wait until it settles.",
            "Đang có giao dịch chờ thanh toán cho thành viên này; vui lòng đợi.",
        )
    person = await db.get(Person, member.person_id)
    await db.delete(member)
    record(
        db,
        household_id=household.id,  # type: ignore[arg-type]
        actor_person_id=head_id,
        kind="member_removed",
        si_code=person.si_code if person else None,
    )
    await db.commit()


async def invitations(db: AsyncSession, *, account_id: int) -> list[InvitationPublic]:
    """Household memberships waiting for the caller's consent (or withdrawn and re-grantable)."""
    person_id = await citizen_person_id(db, account_id=account_id)
    head = Person.__table__.alias("head")  # type: ignore[attr-defined]
    rows = (
        await db.exec(
            select(HouseholdMember, Household.code, head.c.full_name)
            .join(Household, col(Household.id) == col(HouseholdMember.household_id))
            .join(head, head.c.id == col(Household.head_person_id))
            .where(
                HouseholdMember.person_id == person_id,
                col(HouseholdMember.consent).in_([ConsentState.PENDING, ConsentState.WITHDRAWN]),
            )
        )
    ).all()
    return [
        InvitationPublic(
            id=m.id,  # type: ignore[arg-type]
            household_code=code,
            head_name=head_name,
            relation=m.relation,
            consent=m.consent,
            invited_at=m.joined_at,
        )
        for m, code, head_name in rows
    ]


async def _own_invitation(db: AsyncSession, *, account_id: int, invitation_id: int) -> tuple[HouseholdMember, int]:
    person_id = await citizen_person_id(db, account_id=account_id)
    member = await db.get(HouseholdMember, invitation_id)
    if (
        member is None
        or member.person_id != person_id
        or member.consent not in (ConsentState.PENDING, ConsentState.WITHDRAWN)
    ):
        raise NotFound("No such invitation.", "Không có lời mời này.")
    return member, person_id


async def accept_invitation(db: AsyncSession, *, account_id: int, invitation_id: int) -> None:
    """Consent to the household: the head may now see the caller's card and pay for them."""
    member, person_id = await _own_invitation(db, account_id=account_id, invitation_id=invitation_id)
    member.consent, member.consent_at = ConsentState.GIVEN, utcnow()
    db.add(member)
    record(db, household_id=member.household_id, actor_person_id=person_id, kind="consent_given")
    await db.commit()


async def decline_invitation(db: AsyncSession, *, account_id: int, invitation_id: int) -> None:
    """Refuse to join: the membership disappears."""
    member, person_id = await _own_invitation(db, account_id=account_id, invitation_id=invitation_id)
    if member.consent != ConsentState.PENDING:
        raise Conflict("Use leave to quit a household you have joined.", "Hãy dùng chức năng rời hộ.")
    await db.delete(member)
    record(db, household_id=member.household_id, actor_person_id=person_id, kind="invitation_declined")
    await db.commit()


async def withdraw_consent(db: AsyncSession, *, account_id: int) -> None:
    """An adult member stops sharing: the head no longer sees their card, nor pays for them."""
    person_id = await citizen_person_id(db, account_id=account_id)
    household, member = await my_household(db, person_id=person_id)
    if member.consent != ConsentState.GIVEN:
        raise Conflict(
            "Only an adult member who gave consent can withdraw it.", "Chỉ thành viên đã đồng ý mới rút được."
        )
    if await _pending_payment_for(db, person_id):
        raise Conflict("A payment for you is pending; wait until it settles.", "Đang có giao dịch chờ cho bạn.")
    member.consent, member.consent_at = ConsentState.WITHDRAWN, utcnow()
    db.add(member)
    record(db, household_id=household.id, actor_person_id=person_id, kind="consent_withdrawn")  # type: ignore[arg-type]
    await db.commit()


async def leave_household(db: AsyncSession, *, account_id: int) -> None:
    """A member other than the head leaves the household."""
    person_id = await citizen_person_id(db, account_id=account_id)
    household, member = await my_household(db, person_id=person_id)
    if household.head_person_id == person_id:
        raise Conflict("The head cannot leave the household.", "Chủ hộ không thể rời hộ.")
    if await _pending_payment_for(db, person_id):
        raise Conflict("A payment for you is pending; wait until it settles.", "Đang có giao dịch chờ cho bạn.")
    await db.delete(member)
    record(db, household_id=household.id, actor_person_id=person_id, kind="member_left")  # type: ignore[arg-type]
    await db.commit()


async def member_card_owner(db: AsyncSession, *, account_id: int, member_id: int) -> int:
    """The person id of a member whose card and records the head may see (consent given or not required)."""
    household, _ = await headed_household(db, account_id=account_id)
    member = await db.get(HouseholdMember, member_id)
    if member is None or member.household_id != household.id:
        raise NotFound("No such member in your household.", "Không có thành viên này trong hộ.")
    if member.consent not in VISIBLE_CONSENT:
        raise Forbidden(
            "This member has not consented to share their card.", "Thành viên này chưa đồng ý chia sẻ thông tin thẻ."
        )
    return member.person_id


async def head_may_act_for(db: AsyncSession, *, head_person_id: int, person_id: int) -> bool | None:
    """Whether the head of a household may act for ``person_id``: True for a member who consented (or needs not),
    False for a member who has not, None when ``person_id`` is no member of a household ``head_person_id`` heads."""
    consent = (
        await db.exec(
            select(HouseholdMember.consent)
            .join(Household, col(Household.id) == col(HouseholdMember.household_id))
            .where(Household.head_person_id == head_person_id, HouseholdMember.person_id == person_id)
        )
    ).first()
    return None if consent is None else consent in VISIBLE_CONSENT

"""Filing, deciding and applying applications; every step is one transaction with its timeline/audit row."""

import secrets
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.applications import disputes, rules
from ansinh.applications.models import (
    OPEN_STATUSES,
    ApplicationEvent,
    ApplicationKind,
    ApplicationStatus,
    ServiceApplication,
)
from ansinh.applications.schemas import (
    Applicant,
    ApplicationRequest,
    ApplicationSummary,
    ApplicationView,
    AuditEntry,
    CardReissueDetails,
    DisputeDecisionRequest,
    FacilityChangeDetails,
    InfoCorrectionDetails,
    StaffApplicationSummary,
    StaffApplicationView,
    TransitionRequest,
    VisitDisputeDetails,
    VoluntaryQuote,
    VoluntaryRegistrationDetails,
)
from ansinh.cards.service import change_primary_facility, live_card, reissue_card_in_transaction
from ansinh.core.context import RequestContext
from ansinh.core.errors import Conflict, InvalidInput, NotFound
from ansinh.core.pagination import fetch_page
from ansinh.core.settings import Settings
from ansinh.core.time import today_vn, utcnow
from ansinh.facilities.models import MedicalFacility
from ansinh.identity.citizens import citizen_person
from ansinh.identity.models import Account, Person
from ansinh.identity.service import correct_person
from ansinh.notifications.models import NotificationKind
from ansinh.notifications.service import notify
from ansinh.records.rules import in_force, si_salary_cap, voluntary_contribution
from ansinh.records.tables import RURAL_POVERTY_LINE
from ansinh.records.visits import visit_public

S = ApplicationStatus


class ApplicationAlreadyOpen(Conflict):
    slug = "application-already-open"
    title = "An application of this kind is already open"
    default_en = "You already have an open application of this kind; follow it or withdraw it first."
    default_vi = "Bạn đã có một hồ sơ loại này đang xử lý; hãy theo dõi hoặc rút hồ sơ đó trước."


class IllegalTransition(Conflict):
    slug = "illegal-transition"
    title = "This status change is not allowed"
    default_en = "The application cannot move to that status from where it is now."
    default_vi = "Hồ sơ không thể chuyển sang trạng thái này từ trạng thái hiện tại."


class NotYetEffective(Conflict):
    slug = "not-yet-effective"
    title = "The change takes effect later"
    default_en = "This change takes effect on its date; it is applied automatically then."
    default_vi = "Thay đổi có hiệu lực từ ngày đã định và sẽ được áp dụng tự động vào ngày đó."


class IdempotencyKeyReused(Conflict):
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused"
    default_en = "This Idempotency-Key was used for a different application."
    default_vi = "Khóa Idempotency-Key đã được dùng cho một hồ sơ khác."


class NoLiveCard(Conflict):
    slug = "no-card"
    title = "No card in force"
    default_en = "You have no health-insurance card in force to apply for this."
    default_vi = "Bạn chưa có thẻ BHYT còn hiệu lực để thực hiện thủ tục này."


# --- quotes and validation (pure apart from look-ups) --------------------------------------------------------------


def voluntary_quote(*, monthly_income: int, category: str, on: date) -> VoluntaryQuote:
    """The monthly voluntary SI contribution at ``monthly_income``, the state support and what is left to pay."""
    try:
        month = voluntary_contribution(monthly_income, on, category)
    except ValueError as exc:
        raise InvalidInput(str(exc), _income_range_vi(on)) from exc
    return VoluntaryQuote(
        monthly_income=month.income,
        category=month.category,
        rate_percent=f"{month.rate_bp / 100:g}",
        contribution=month.monthly,
        state_support=month.support,
        you_pay=month.net,
        poverty_line=month.poverty_line,
        income_cap=month.income_cap,
        on=on,
        legal_basis=month.support_legal_basis,
    )


def _income_range_vi(on: date) -> str:
    poverty = in_force(RURAL_POVERTY_LINE, on).amount
    cap = si_salary_cap(on)
    return f"Mức thu nhập phải từ chuẩn nghèo nông thôn ({poverty:,} đồng) đến mức trần ({cap:,} đồng)."


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


async def _facility_by_code(db: AsyncSession, code: str) -> MedicalFacility:
    facility = (await db.exec(select(MedicalFacility).where(MedicalFacility.code == code))).first()
    if facility is None:
        raise InvalidInput(f"No medical facility has code {code}.", f"Không có cơ sở khám chữa bệnh mã {code}.")
    return facility


async def _validated_request(
    db: AsyncSession, person: Person, request: ApplicationRequest, today: date
) -> tuple[dict[str, Any], date | None]:
    """Check the request against the records; return the details to store and the planned effective date."""
    details = request.details.model_dump(mode="json", exclude_none=True)
    match request.details:
        case CardReissueDetails():
            if await live_card(db, person_id=person.id) is None:  # type: ignore[arg-type]
                raise NoLiveCard()
            return details, None
        case FacilityChangeDetails() as wanted:
            found = await live_card(db, person_id=person.id)  # type: ignore[arg-type]
            if found is None:
                raise NoLiveCard()
            facility = await _facility_by_code(db, wanted.facility_code)
            if facility.id == found[0].primary_facility_id:
                raise InvalidInput(
                    "This is already your primary-care facility.", "Đây đã là nơi đăng ký KCB ban đầu của bạn."
                )
            return {**details, "facility_name": facility.name}, rules.next_quarter_start(today)
        case InfoCorrectionDetails() as wanted:
            changes = wanted.changes.model_dump(exclude_none=True)
            if not changes:
                raise InvalidInput("Say at least one thing to correct.", "Hãy nêu ít nhất một thông tin cần sửa.")
            same = [name for name, value in changes.items() if getattr(person, name) == value]
            if same:
                raise InvalidInput(
                    f"Already on record as given: {', '.join(same)}.",
                    f"Thông tin này đã đúng như trong hồ sơ: {', '.join(same)}.",
                    extra={"fields": same},
                )
            born = changes.get("date_of_birth")
            if born is not None and not date(1900, 1, 1) <= born <= today:
                raise InvalidInput("The birth date is not plausible.", "Ngày sinh không hợp lệ.")
            return details, None
        case VoluntaryRegistrationDetails() as wanted:
            first = _first_day(wanted.first_month)
            if not 0 <= _month_index(first) - _month_index(today) <= 12:
                raise InvalidInput(
                    "The first month must be this month or one of the next 12.",
                    "Tháng bắt đầu phải là tháng này hoặc một trong 12 tháng tới.",
                )
            quote = voluntary_quote(monthly_income=wanted.monthly_income, category=wanted.category, on=first)
            return {**details, "quote": quote.model_dump(mode="json")}, None
        case VisitDisputeDetails() as wanted:
            return await disputes.dispute_details(db, person, wanted), None
    raise InvalidInput()  # pragma: no cover - ApplicationRequest admits nothing else


# --- the citizen's side --------------------------------------------------------------------------------------------


def _new_reference(today: date) -> str:
    """A reference like ``HS261126482913`` (random digits: references reveal nothing about volumes)."""
    return f"HS{today:%y%m%d}{secrets.randbelow(1_000_000):06d}"


async def _status_notice(db: AsyncSession, application: ServiceApplication) -> None:
    params: dict[str, Any] = {
        "reference": application.reference,
        "kind": application.kind,
        "status": application.status,
        "reason": application.reason,
    }
    if application.kind == ApplicationKind.VISIT_DISPUTE:
        params["decision"], params["reason"] = disputes.decision_of(application)
    await notify(
        db,
        person_id=application.person_id,
        kind=NotificationKind.APPLICATION_STATUS,
        dedupe_key=f"application:{application.id}:{application.status}",
        params=params,
        link=f"#/applications/{application.id}",
    )


async def file_application(
    db: AsyncSession,
    *,
    account_id: int,
    request: ApplicationRequest,
    idempotency_key: str | None,
    today: date | None = None,
) -> tuple[ApplicationView, bool]:
    """File an application; returns it and whether it is new (a retried Idempotency-Key returns the first one)."""
    today = today or today_vn()
    person = await citizen_person(db, account_id=account_id)
    if idempotency_key is not None:
        earlier = await _by_idempotency_key(db, person_id=person.id, key=idempotency_key)  # type: ignore[arg-type]
        if earlier is not None:
            return await _replay(db, earlier, request), False
    details, effective_from = await _validated_request(db, person, request, today)
    visit_id = details.get("visit_id") if request.kind == ApplicationKind.VISIT_DISPUTE else None
    now = utcnow()
    for _attempt in range(5):
        application = ServiceApplication(
            reference=_new_reference(today),
            person_id=person.id,  # type: ignore[arg-type]
            kind=request.kind,
            request=details,
            effective_from=effective_from,
            idempotency_key=idempotency_key,
            visit_id=visit_id,
            created_at=now,
            updated_at=now,
        )
        try:
            async with db.begin_nested():
                db.add(application)
                await db.flush()
        except IntegrityError as exc:
            found = await _conflicting(
                db,
                person_id=person.id,  # type: ignore[arg-type]
                kind=request.kind,
                key=idempotency_key,
                visit_id=visit_id,
            )
            if found == "key":
                await db.rollback()
                earlier = await _by_idempotency_key(db, person_id=person.id, key=idempotency_key)  # type: ignore[arg-type]
                return await _replay(db, earlier, request), False  # type: ignore[arg-type]
            if found == "visit":
                raise disputes.DisputeAlreadyOpen(extra={"visit_id": visit_id}) from exc
            if found == "open":
                raise ApplicationAlreadyOpen(extra={"kind": request.kind}) from exc
            continue  # a reference collision: draw again
        db.add(_event(application, action="submit", actor_role="citizen", actor=account_id, to_status=S.SUBMITTED))
        if visit_id is not None:
            await disputes.sync_visit(db, visit_id=visit_id)
        await _status_notice(db, application)
        await db.commit()
        return await _view(db, application), True
    raise Conflict("Could not allocate a reference; try again.", "Không cấp được mã hồ sơ; vui lòng thử lại.")


async def _by_idempotency_key(db: AsyncSession, *, person_id: int, key: str | None) -> ServiceApplication | None:
    return (
        await db.exec(
            select(ServiceApplication).where(
                ServiceApplication.person_id == person_id, ServiceApplication.idempotency_key == key
            )
        )
    ).first()


async def _conflicting(
    db: AsyncSession, *, person_id: int, kind: str, key: str | None, visit_id: int | None = None
) -> str | None:
    """Which unique rule a failed insert broke: the same Idempotency-Key, an open dispute of the visit, an open
    application of the kind, or none."""
    if key is not None and await _by_idempotency_key(db, person_id=person_id, key=key) is not None:
        return "key"
    if visit_id is not None:
        open_dispute = (
            await db.exec(
                select(ServiceApplication.id).where(
                    ServiceApplication.visit_id == visit_id, col(ServiceApplication.status).in_(OPEN_STATUSES)
                )
            )
        ).first()
        return "visit" if open_dispute is not None else None
    open_one = (
        await db.exec(
            select(ServiceApplication.id).where(
                ServiceApplication.person_id == person_id,
                ServiceApplication.kind == kind,
                col(ServiceApplication.status).in_(OPEN_STATUSES),
            )
        )
    ).first()
    return "open" if open_one is not None else None


async def _replay(db: AsyncSession, earlier: ServiceApplication, request: ApplicationRequest) -> ApplicationView:
    if earlier.kind != request.kind:
        raise IdempotencyKeyReused()
    return await _view(db, earlier)


def _event(
    application: ServiceApplication,
    *,
    action: str,
    actor_role: str,
    actor: int | None,
    to_status: str,
    from_status: str | None = None,
    note: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ApplicationEvent:
    return ApplicationEvent(
        application_id=application.id,  # type: ignore[arg-type]
        actor_account_id=actor,
        actor_role=actor_role,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        before=before,
        after=after,
    )


async def _events(db: AsyncSession, application_id: int) -> list[ApplicationEvent]:
    rows = await db.exec(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application_id)
        .order_by(col(ApplicationEvent.created_at), col(ApplicationEvent.id))
    )
    return list(rows.all())


def _summary_fields(application: ServiceApplication) -> dict[str, Any]:
    return {
        "id": application.id,
        "reference": application.reference,
        "kind": application.kind,
        "status": application.status,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
        "effective_from": application.effective_from,
    }


def _view_fields(application: ServiceApplication, events: list[ApplicationEvent]) -> dict[str, Any]:
    # The citizen sees the rejection reason (and a dispute's decision, the facility's steps); staff notes stay in the
    # audit trail.
    timeline = disputes.timeline_of(application, events)
    return {
        **_summary_fields(application),
        "details": application.request,
        "outcome": application.outcome,
        "reason": application.reason,
        "can_withdraw": rules.citizen_may_withdraw(application.status),
        "timeline": timeline,
    }


async def _view(db: AsyncSession, application: ServiceApplication) -> ApplicationView:
    return ApplicationView(**_view_fields(application, await _events(db, application.id)))  # type: ignore[arg-type]


async def _own(db: AsyncSession, *, account_id: int, application_id: int) -> ServiceApplication:
    person = await citizen_person(db, account_id=account_id)
    application = await db.get(ServiceApplication, application_id)
    # Someone else's application answers exactly like one that does not exist.
    if application is None or application.person_id != person.id:
        raise NotFound("No such application.", "Không tìm thấy hồ sơ.")
    return application


async def my_applications(
    db: AsyncSession, *, account_id: int, limit: int, offset: int
) -> tuple[list[ApplicationSummary], int]:
    """The caller's applications, newest first."""
    person = await citizen_person(db, account_id=account_id)
    rows, total = await fetch_page(
        db,
        select(ServiceApplication).order_by(
            col(ServiceApplication.created_at).desc(), col(ServiceApplication.id).desc()
        ),
        count_from=ServiceApplication,
        where=col(ServiceApplication.person_id) == person.id,
        limit=limit,
        offset=offset,
    )
    return [ApplicationSummary(**_summary_fields(a)) for a in rows], total


async def my_application(db: AsyncSession, *, account_id: int, application_id: int) -> ApplicationView:
    """One of the caller's applications with its timeline."""
    return await _view(db, await _own(db, account_id=account_id, application_id=application_id))


async def withdraw(db: AsyncSession, *, account_id: int, application_id: int) -> ApplicationView:
    """Take back an application nobody has decided yet."""
    application = await _own(db, account_id=account_id, application_id=application_id)
    if not rules.citizen_may_withdraw(application.status):
        raise IllegalTransition(extra={"current_status": application.status, "requested_status": S.WITHDRAWN})
    await _move(db, application, to=S.WITHDRAWN, actor_role="citizen", actor=account_id, action="withdraw")
    if application.visit_id is not None:
        await disputes.sync_visit(db, visit_id=application.visit_id)
    await db.commit()
    return await _view(db, application)


async def _move(
    db: AsyncSession,
    application: ServiceApplication,
    *,
    to: str,
    actor_role: str,
    actor: int | None,
    action: str,
    note: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Move the application from the status it was read in; a concurrent move makes this one fail with 409."""
    current = application.status
    now = utcnow()
    values = {"status": to, "updated_at": now, **(changes or {})}
    moved = await db.exec(
        update(ServiceApplication)  # type: ignore[call-overload]
        .where(col(ServiceApplication.id) == application.id, col(ServiceApplication.status) == current)
        .values(**values)
    )
    if moved.rowcount != 1:
        await db.rollback()
        raise IllegalTransition(
            "Someone else changed this application; reload it.", "Hồ sơ vừa được người khác cập nhật; hãy tải lại."
        )
    for name, value in values.items():
        setattr(application, name, value)
    db.add(
        _event(
            application,
            action=action,
            actor_role=actor_role,
            actor=actor,
            from_status=current,
            to_status=to,
            note=note,
            before={"status": current, **(before or {})},
            after={"status": to, **(after or {})},
        )
    )
    await _status_notice(db, application)


# --- the staff side ------------------------------------------------------------------------------------------------


def _staff_select() -> Any:
    return select(ServiceApplication, Person).join(Person, col(Person.id) == col(ServiceApplication.person_id))


def _applicant(person: Person) -> Applicant:
    return Applicant(si_code=person.si_code, full_name=person.full_name)


async def staff_list(
    db: AsyncSession, *, status: str | None, kind: str | None, limit: int, offset: int
) -> tuple[list[StaffApplicationSummary], int]:
    """Applications waiting for (or past) a decision, oldest first so the queue is worked in order."""
    where = col(ServiceApplication.id).is_not(None)
    if status is not None:
        where = where & (col(ServiceApplication.status) == status)
    if kind is not None:
        where = where & (col(ServiceApplication.kind) == kind)
    rows, total = await fetch_page(
        db,
        _staff_select().order_by(col(ServiceApplication.created_at), col(ServiceApplication.id)),
        count_from=ServiceApplication,
        where=where,
        limit=limit,
        offset=offset,
    )
    return [StaffApplicationSummary(**_summary_fields(a), applicant=_applicant(p)) for a, p in rows], total


async def staff_view(db: AsyncSession, *, application_id: int) -> StaffApplicationView:
    """An application with the applicant and the full audit trail."""
    row = (await db.exec(_staff_select().where(ServiceApplication.id == application_id))).first()
    if row is None:
        raise NotFound("No such application.", "Không tìm thấy hồ sơ.")
    application, person = row
    events = await _events(db, application_id)
    named = ("staff", "facility")
    actor_ids = {e.actor_account_id for e in events if e.actor_role in named and e.actor_account_id is not None}
    names: dict[int, str] = {}
    if actor_ids:
        accounts = await db.exec(select(Account.id, Account.username).where(col(Account.id).in_(actor_ids)))
        names = {account_id: username for account_id, username in accounts.all()}  # type: ignore[misc]
    audit = [
        AuditEntry(
            at=e.created_at,
            actor_role=e.actor_role,
            actor=names.get(e.actor_account_id) if e.actor_role in named else None,  # type: ignore[arg-type]
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            note=e.note,
            before=e.before,
            after=e.after,
        )
        for e in events
    ]
    visit = await visit_public(db, visit_id=application.visit_id) if application.visit_id is not None else None
    return StaffApplicationView(
        **_view_fields(application, events), applicant=_applicant(person), audit=audit, visit=visit
    )


async def staff_transition(
    db: AsyncSession,
    *,
    staff_account_id: int,
    application_id: int,
    request: TransitionRequest,
    today: date | None = None,
    context: RequestContext | None = None,
) -> StaffApplicationView:
    """Move an application one legal step; reaching ``done`` applies its effect in the same transaction."""
    today = today or today_vn()
    application = await db.get(ServiceApplication, application_id)
    if application is None:
        raise NotFound("No such application.", "Không tìm thấy hồ sơ.")
    if not rules.staff_may_move(application.status, request.to, application.kind):
        raise IllegalTransition(extra={"current_status": application.status, "requested_status": request.to})
    changes: dict[str, Any] = {}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    dispute = application.kind == ApplicationKind.VISIT_DISPUTE
    if dispute and request.to in (S.DONE, S.REJECTED):
        if request.reason is None:
            raise InvalidInput("Give the reason for the decision.", "Hãy nêu lý do của kết luận.")
        upheld = request.to == S.DONE
        changes["outcome"] = {"decision": "upheld" if upheld else "rejected"}
        if upheld:
            changes["outcome"]["reason"] = request.reason
        else:
            changes["reason"] = request.reason
        after["decision"] = changes["outcome"]["decision"]
    elif request.to == S.REJECTED:
        if request.reason is None:
            raise InvalidInput("Give the reason for the rejection.", "Hãy nêu lý do từ chối.")
        changes["reason"] = request.reason
    elif request.to == S.APPROVED and application.kind in rules.DATED_KINDS:
        effective = rules.facility_change_date(filed_on=today_vn(application.created_at), decided_on=today)
        changes["effective_from"] = effective
        before["effective_from"] = application.effective_from.isoformat() if application.effective_from else None
        after["effective_from"] = effective.isoformat()
    elif request.to == S.DONE:
        if application.kind in rules.DATED_KINDS and application.effective_from and application.effective_from > today:
            raise NotYetEffective(extra={"effective_from": application.effective_from.isoformat()})
        effect_before, effect_after, outcome = await _apply_effect(
            db, application, staff_account_id=staff_account_id, context=context
        )
        before, after = effect_before, effect_after
        changes["outcome"] = outcome
    await _move(
        db,
        application,
        to=request.to,
        actor_role="staff",
        actor=staff_account_id,
        action=request.to,
        note=request.note,
        before=before,
        after=after,
        changes=changes,
    )
    if application.visit_id is not None:
        await disputes.sync_visit(db, visit_id=application.visit_id)
    await db.commit()
    return await staff_view(db, application_id=application_id)


async def staff_decide_dispute(
    db: AsyncSession,
    *,
    staff_account_id: int,
    application_id: int,
    request: DisputeDecisionRequest,
    context: RequestContext | None = None,
) -> StaffApplicationView:
    """Decide a visit dispute: upheld (status done) or rejected, with the reason the citizen reads."""
    application = await db.get(ServiceApplication, application_id)
    if application is None:
        raise NotFound("No such application.", "Không tìm thấy hồ sơ.")
    if application.kind != ApplicationKind.VISIT_DISPUTE:
        raise IllegalTransition(
            "Only a visit dispute is decided upheld or rejected.",
            "Chỉ phản ánh lượt khám mới có kết luận chấp nhận hoặc không chấp nhận.",
        )
    to = S.DONE if request.decision == "upheld" else S.REJECTED
    return await staff_transition(
        db,
        staff_account_id=staff_account_id,
        application_id=application_id,
        request=TransitionRequest(to=to, reason=request.reason, note=request.note),  # type: ignore[arg-type]
        context=context,
    )


# --- effects -------------------------------------------------------------------------------------------------------


async def _apply_effect(
    db: AsyncSession, application: ServiceApplication, *, staff_account_id: int | None, context: RequestContext | None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Make the approved change real; returns (before, after, outcome) for the audit trail and the citizen."""
    match application.kind:
        case ApplicationKind.CARD_REISSUE:
            found = await live_card(db, person_id=application.person_id)
            if found is None:
                raise NoLiveCard()
            result = await reissue_card_in_transaction(
                db,
                number=found[0].number,
                reason=f"application {application.reference}: {application.request.get('reason', '')}",
                staff_account_id=staff_account_id,
                context=context,
            )
            return (
                {"card_serial": result.previous_serial},
                {"card_serial": result.serial},
                {"card_serial": result.serial, "previous_serial": result.previous_serial},
            )
        case ApplicationKind.FACILITY_CHANGE:
            return await _change_facility(db, application)
        case ApplicationKind.INFO_CORRECTION:
            changes = dict(application.request["changes"])
            before = await correct_person(db, person_id=application.person_id, changes=changes)
            return before, changes, {"corrected": sorted(changes)}
        case _:  # voluntary registration: the registration itself is the outcome
            quote = application.request.get("quote", {})
            outcome = {"first_month": application.request["first_month"], "monthly_payment": quote.get("you_pay")}
            return {}, {"registered": True}, outcome


async def _change_facility(
    db: AsyncSession, application: ServiceApplication
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    found = await live_card(db, person_id=application.person_id)
    if found is None:
        raise NoLiveCard()
    card, _person, old_facility = found
    facility = await _facility_by_code(db, application.request["facility_code"])
    await change_primary_facility(db, card_id=card.id, facility_id=facility.id)  # type: ignore[arg-type]
    effective = application.effective_from.isoformat() if application.effective_from else None
    return (
        {"facility_code": old_facility.code},
        {"facility_code": facility.code},
        {"facility_code": facility.code, "facility_name": facility.name, "effective_from": effective},
    )


async def apply_due_changes(db: AsyncSession, today: date, settings: Settings) -> int:
    """Due task: apply approved facility changes whose date has come (status ``done``, actor ``system``)."""
    due = (
        await db.exec(
            select(ServiceApplication.id).where(
                ServiceApplication.status == S.APPROVED,
                col(ServiceApplication.kind).in_(rules.DATED_KINDS),
                col(ServiceApplication.effective_from) <= today,
            )
        )
    ).all()
    applied = 0
    for application_id in due:
        application = await db.get(ServiceApplication, application_id)
        if application is None or application.status != S.APPROVED:
            continue
        try:
            before, after, outcome = await _apply_effect(db, application, staff_account_id=None, context=None)
            await _move(
                db,
                application,
                to=S.DONE,
                actor_role="system",
                actor=None,
                action="apply",
                before=before,
                after=after,
                changes={"outcome": outcome},
            )
            await db.commit()
            applied += 1
        except Conflict:
            await db.rollback()  # the card went away or another run applied it: the next run looks again
    return applied

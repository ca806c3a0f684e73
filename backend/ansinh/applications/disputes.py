"""Disputes of visits (applications of kind visit_dispute): who may dispute which visit, the visit attached as it
stood, the visit's "under dispute" flag, the facility's resubmissions and answers on the timeline, and the facility
admin's view of the disputes about its visits."""

from typing import Any

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.applications.models import (
    OPEN_STATUSES,
    ApplicationEvent,
    ApplicationKind,
    ApplicationStatus,
    DisputeDecision,
    ServiceApplication,
)
from ansinh.applications.rules import FINAL_STATUSES
from ansinh.applications.schemas import FacilityDisputeView, TimelineStep, VisitDisputeDetails
from ansinh.clinics.staff import admin_facility
from ansinh.core.errors import Conflict, Forbidden, NotFound
from ansinh.core.time import utcnow
from ansinh.households.service import head_may_act_for
from ansinh.identity.models import Person
from ansinh.notifications.models import NotificationKind
from ansinh.notifications.service import notify
from ansinh.records.events import VisitsStored
from ansinh.records.models import MedicalVisit, VisitDisputeStatus
from ansinh.records.visits import latest_submission_id, set_dispute_state, visit_public

S = ApplicationStatus
KIND = ApplicationKind.VISIT_DISPUTE
# Timeline steps that move no status; the citizen's timeline names them (schemas.TimelineStep.event).
RESUBMITTED = "resubmitted"
RESPONDED = "responded"
EVENTS = {RESUBMITTED: "visit_resubmitted", RESPONDED: "facility_response"}


class DisputeAlreadyOpen(Conflict):
    slug = "dispute-already-open"
    title = "This visit is already under dispute"
    default_en = "A dispute of this visit is already open; follow it in your applications."
    default_vi = "Lượt khám này đang được phản ánh; hãy theo dõi hồ sơ đó trong mục hồ sơ của bạn."


class VisitNotFound(NotFound):
    slug = "visit-not-found"
    title = "No such visit"
    default_en = "No such visit among yours or your household's."
    default_vi = "Không tìm thấy lượt khám này trong hồ sơ của bạn hoặc của hộ gia đình."


class MemberConsentRequired(Forbidden):
    slug = "member-consent-required"
    title = "The member has not consented"
    default_en = "This household member has not consented to share their records, so you cannot dispute their visit."
    default_vi = "Thành viên này chưa đồng ý chia sẻ thông tin nên bạn không thể phản ánh lượt khám của họ."


class DisputeDecided(Conflict):
    slug = "dispute-decided"
    title = "The dispute is decided"
    default_en = "This dispute has been decided; it takes no more responses."
    default_vi = "Phản ánh này đã có kết luận nên không nhận thêm phản hồi."


class NoSuchDispute(NotFound):
    slug = "dispute-not-found"
    title = "No such dispute"
    default_en = "No dispute of one of your facility's visits has this id."
    default_vi = "Không có phản ánh nào về lượt khám của cơ sở với mã này."


# --- filing ---------------------------------------------------------------------------------------------------------


async def dispute_details(db: AsyncSession, person: Person, wanted: VisitDisputeDetails) -> dict[str, Any]:
    """The details to store for a dispute ``person`` may file: the visit (theirs, or a consenting household member's
    if ``person`` heads the household), with its facility and lines as they stand now; 404 / 403 otherwise."""
    visit = await db.get(MedicalVisit, wanted.visit_id)
    if visit is None:
        raise VisitNotFound()
    filed_for = "self"
    if visit.person_id != person.id:
        allowed = await head_may_act_for(db, head_person_id=person.id, person_id=visit.person_id)  # type: ignore[arg-type]
        if allowed is None:
            raise VisitNotFound()  # someone else's visit answers like one that does not exist
        if not allowed:
            raise MemberConsentRequired()
        filed_for = "household_member"
    shown = await visit_public(db, visit_id=visit.id)  # type: ignore[arg-type]
    patient = person if filed_for == "self" else await db.get(Person, visit.person_id)
    attached = shown.model_dump(mode="json", exclude={"id", "under_dispute", "dispute_status"})  # type: ignore[union-attr]
    attached["visit_key"] = visit.visit_key
    attached["submission_id"] = await latest_submission_id(db, visit_id=visit.id)  # type: ignore[arg-type]
    return {
        **wanted.model_dump(mode="json"),
        "filed_for": filed_for,
        "patient_name": patient.full_name,  # type: ignore[union-attr]
        "visit": attached,
    }


async def sync_visit(db: AsyncSession, *, visit_id: int) -> None:
    """Set the visit's dispute flag from its disputes: open while one is, else the latest decision, else none."""
    disputes = (
        await db.exec(
            select(ServiceApplication)
            .where(ServiceApplication.visit_id == visit_id, ServiceApplication.kind == KIND)
            .order_by(col(ServiceApplication.updated_at).desc(), col(ServiceApplication.id).desc())
        )
    ).all()
    state: VisitDisputeStatus | None = None
    ground: str | None = None
    for dispute in disputes:
        if dispute.status in OPEN_STATUSES:
            state, ground = VisitDisputeStatus.OPEN, dispute.request.get("ground")
            break
    else:
        for dispute in disputes:
            if dispute.status in (S.DONE, S.REJECTED):
                decided = VisitDisputeStatus.UPHELD if dispute.status == S.DONE else VisitDisputeStatus.REJECTED
                state, ground = decided, dispute.request.get("ground")
                break
    await set_dispute_state(db, visit_id=visit_id, status=state, ground=ground)


def decision_of(application: ServiceApplication) -> tuple[str | None, str | None]:
    """(upheld | rejected | None, the reason staff gave) of a dispute."""
    if application.status == S.DONE:
        return DisputeDecision.UPHELD.value, application.outcome.get("reason")
    if application.status == S.REJECTED:
        return DisputeDecision.REJECTED.value, application.reason
    return None, None


# --- the facility's side: resubmissions and answers ------------------------------------------------------------------


async def _latest_disputes(db: AsyncSession, visit_ids: list[int]) -> dict[int, ServiceApplication]:
    """Each visit's open dispute, else its latest decided one (a withdrawn dispute takes no news); one query."""
    rows = (
        await db.exec(
            select(ServiceApplication)
            .where(
                col(ServiceApplication.visit_id).in_(visit_ids),
                ServiceApplication.kind == KIND,
                ServiceApplication.status != S.WITHDRAWN,
            )
            .order_by(col(ServiceApplication.created_at).desc(), col(ServiceApplication.id).desc())
        )
    ).all()
    latest: dict[int, ServiceApplication] = {}
    for application in rows:  # newest first: an open one wins, else the first seen
        visit_id: int = application.visit_id  # type: ignore[assignment]
        if visit_id not in latest or (
            application.status in OPEN_STATUSES and latest[visit_id].status not in OPEN_STATUSES
        ):
            latest[visit_id] = application
    return latest


async def _add_facility_step(
    db: AsyncSession,
    application: ServiceApplication,
    *,
    action: str,
    actor: int | None,
    after: dict[str, Any],
    facility: str,
) -> None:
    """A timeline step that moves no status, the application touched, the filer told (inbox and push)."""
    step = ApplicationEvent(
        application_id=application.id,  # type: ignore[arg-type]
        actor_account_id=actor,
        actor_role="facility",
        action=action,
        from_status=application.status,
        to_status=application.status,
        after=after,
    )
    db.add(step)
    await db.flush()
    now = utcnow()
    await db.exec(
        update(ServiceApplication)  # type: ignore[call-overload]
        .where(col(ServiceApplication.id) == application.id)
        .values(updated_at=now)
    )
    application.updated_at = now
    await notify(
        db,
        person_id=application.person_id,
        kind=NotificationKind.DISPUTE_UPDATE,
        dedupe_key=f"dispute:{application.id}:step:{step.id}",
        params={"reference": application.reference, "event": EVENTS[action], "facility": facility},
        link=f"#/applications/{application.id}",
    )


async def visits_resubmitted(db: AsyncSession, event: VisitsStored) -> None:
    """A facility sent visits (records' ``on_visits_stored`` listener): a disputed one's dispute keeps its standing and
    gets the new version on its timeline; the filer is told. In the caller's transaction (the ingest's savepoint); one
    query when none of the visits is disputed."""
    submissions = {stored.visit_id: stored.submission_id for stored in event.visits}
    for visit_id, application in (await _latest_disputes(db, list(submissions))).items():
        shown = await visit_public(db, visit_id=visit_id)
        version: dict[str, Any] = {"submission_id": submissions[visit_id], "receipt": event.receipt}
        if shown is not None:
            money = {"status", "admission_date", "discharge_date", "total_cost", "hi_paid", "co_payment"}
            version |= shown.model_dump(mode="json", include=money) | {"lines": len(shown.lines)}
        await _add_facility_step(
            db, application, action=RESUBMITTED, actor=None, after=version, facility=event.facility
        )


def timeline_of(application: ServiceApplication, events: list[ApplicationEvent]) -> list[TimelineStep]:
    """The steps a citizen (or the facility) sees: statuses reached, the decision's reason, resubmissions and the
    facility's answers. Staff notes stay in the audit trail."""
    steps = []
    for e in events:
        event = EVENTS.get(e.action) if e.actor_role == "facility" else None
        note = None
        if event == "facility_response":
            note = (e.after or {}).get("response")
        elif event is None and e.to_status == S.REJECTED:
            note = application.reason
        elif event is None and e.to_status == S.DONE and application.kind == KIND:
            note = application.outcome.get("reason")  # why the dispute was upheld
        steps.append(TimelineStep(status=e.to_status, at=e.created_at, note=note, event=event))  # type: ignore[arg-type]
    return steps


async def _facility_query(db: AsyncSession, account_id: int) -> Any:
    facility_id = await admin_facility(db, account_id=account_id)
    return (
        select(ServiceApplication, MedicalVisit)
        .join(MedicalVisit, col(MedicalVisit.id) == col(ServiceApplication.visit_id))
        .where(ServiceApplication.kind == KIND, MedicalVisit.facility_id == facility_id)
    )


async def _events(db: AsyncSession, application_id: int) -> list[ApplicationEvent]:
    rows = await db.exec(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application_id)
        .order_by(col(ApplicationEvent.created_at), col(ApplicationEvent.id))
    )
    return list(rows.all())


def _facility_view(
    application: ServiceApplication, visit: MedicalVisit, events: list[ApplicationEvent]
) -> FacilityDisputeView:
    decision, decision_reason = decision_of(application)
    request = application.request
    return FacilityDisputeView(
        id=application.id,  # type: ignore[arg-type]
        reference=application.reference,
        status=application.status,
        decision=decision,  # type: ignore[arg-type]
        decision_reason=decision_reason,
        ground=request["ground"],
        reason=request["reason"],
        patient_name=request.get("patient_name", ""),
        visit_key=visit.visit_key,
        visit=request.get("visit", {}),
        created_at=application.created_at,
        updated_at=application.updated_at,
        timeline=timeline_of(application, events),
    )


async def facility_disputes(
    db: AsyncSession, *, account_id: int, open_only: bool, limit: int, offset: int
) -> tuple[list[FacilityDisputeView], int]:
    """Disputes of the admin's facility's visits, newest first (only the open ones when asked)."""
    query = await _facility_query(db, account_id)
    if open_only:
        query = query.where(col(ServiceApplication.status).in_(OPEN_STATUSES))
    total = (await db.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = (
        await db.exec(
            query.order_by(col(ServiceApplication.created_at).desc(), col(ServiceApplication.id).desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return [_facility_view(a, v, await _events(db, a.id)) for a, v in rows], total  # type: ignore[arg-type]


async def _facility_row(
    db: AsyncSession, *, account_id: int, application_id: int
) -> tuple[ServiceApplication, MedicalVisit]:
    query = await _facility_query(db, account_id)
    row = (await db.exec(query.where(ServiceApplication.id == application_id))).first()
    if row is None:  # another facility's dispute answers like one that does not exist
        raise NoSuchDispute()
    return row  # type: ignore[return-value]


async def facility_dispute(db: AsyncSession, *, account_id: int, application_id: int) -> FacilityDisputeView:
    """One dispute of the admin's facility's visits, with its timeline."""
    application, visit = await _facility_row(db, account_id=account_id, application_id=application_id)
    return _facility_view(application, visit, await _events(db, application_id))


async def respond(db: AsyncSession, *, account_id: int, application_id: int, text: str) -> FacilityDisputeView:
    """Attach the facility's answer to an undecided dispute of one of its visits; the filer is told."""
    application, visit = await _facility_row(db, account_id=account_id, application_id=application_id)
    if application.status in FINAL_STATUSES:
        raise DisputeDecided(extra={"current_status": application.status})
    facility = (application.request.get("visit") or {}).get("facility", {}).get("name", "")
    await _add_facility_step(
        db, application, action=RESPONDED, actor=account_id, after={"response": text}, facility=facility
    )
    await db.commit()
    return _facility_view(application, visit, await _events(db, application_id))

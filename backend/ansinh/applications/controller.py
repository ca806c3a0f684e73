"""Applications: the citizen files and follows them; staff move them through their timeline."""

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.pagination import OffsetPagination
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from ansinh.applications import copayment, disputes, service
from ansinh.applications.models import ApplicationKind, ApplicationStatus
from ansinh.applications.schemas import (
    ApplicationRequest,
    ApplicationSummary,
    ApplicationView,
    DisputeDecisionRequest,
    FacilityDisputeView,
    FacilityResponseRequest,
    StaffApplicationSummary,
    StaffApplicationView,
    TransitionRequest,
)
from ansinh.core.deps import Caller, Context, DbSession
from ansinh.core.pagination import Limit, Offset
from ansinh.core.params import RowId
from ansinh.core.time import today_vn
from ansinh.identity.guards import requires_citizen, requires_facility_admin, requires_staff
from ansinh.records.schemas import CoPaymentYearPublic

NO_STORE = CacheControlHeader(no_store=True, private=True)
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=64,
        description="One per form: a retry files nothing new",
    ),
]
StatusFilter = Annotated[ApplicationStatus | None, QueryParameter(name="status", description="Only this status")]
KindFilter = Annotated[ApplicationKind | None, QueryParameter(name="kind", description="Only this kind")]
Year = Annotated[
    int | None,
    QueryParameter(name="year", ge=1, le=9999, description="Calendar year, YYYY (default: this year)"),
]
OpenOnly = Annotated[bool, QueryParameter(name="open", description="Only the disputes not yet decided")]


class ApplicationController(Controller):
    """The caller's own applications (hồ sơ dịch vụ công)."""

    path = "/me/applications"
    tags = ["applications"]
    guards = [requires_citizen]

    @get("", operation_id="listMyApplications", cache_control=NO_STORE)
    async def list_mine(
        self, principal: Caller, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[ApplicationSummary]:
        """The caller's applications, newest first."""
        items, total = await service.my_applications(
            db_session, account_id=principal.account_id, limit=limit, offset=offset
        )
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @post("", operation_id="fileApplication", cache_control=NO_STORE)
    async def file(
        self,
        data: JSONBody[ApplicationRequest],
        principal: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ApplicationView]:
        """File an application (201); a retry with the same Idempotency-Key returns the first one (200)."""
        view, created = await service.file_application(
            db_session, account_id=principal.account_id, request=data, idempotency_key=idempotency_key
        )
        return Response(view, status_code=201 if created else 200)

    @get("/{application_id:int}", operation_id="getMyApplication", cache_control=NO_STORE)
    async def get_mine(self, application_id: RowId, principal: Caller, db_session: DbSession) -> ApplicationView:
        """One application with its status timeline."""
        return await service.my_application(db_session, account_id=principal.account_id, application_id=application_id)

    @post("/{application_id:int}/withdraw", status_code=200, operation_id="withdrawMyApplication")
    async def withdraw(self, application_id: RowId, principal: Caller, db_session: DbSession) -> ApplicationView:
        """Take back an application before it is decided."""
        return await service.withdraw(db_session, account_id=principal.account_id, application_id=application_id)


class CoPaymentController(Controller):
    """The caller's co-payments against the yearly cap: what the certificate of no co-payment rests on."""

    path = "/me/copayment"
    tags = ["records"]
    guards = [requires_citizen]
    cache_control = NO_STORE

    @get("", operation_id="getCoPaymentYear")
    async def co_payment(self, principal: Caller, db_session: DbSession, year: Year = None) -> CoPaymentYearPublic:
        """The year's co-payments against the cap (6 months of base salary), and the exemption when earned."""
        return await copayment.my_co_payment_year(
            db_session, account_id=principal.account_id, year=year, today=today_vn()
        )


class StaffApplicationController(Controller):
    """Staff work the queue; every move is written to the application's audit trail."""

    path = "/staff/applications"
    tags = ["applications"]
    guards = [requires_staff]

    @get("", operation_id="staffListApplications", cache_control=NO_STORE)
    async def list_all(
        self,
        db_session: DbSession,
        status: StatusFilter = None,
        kind: KindFilter = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> OffsetPagination[StaffApplicationSummary]:
        """Applications, oldest first, optionally of one status or kind."""
        items, total = await service.staff_list(db_session, status=status, kind=kind, limit=limit, offset=offset)
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @get("/{application_id:int}", operation_id="staffGetApplication", cache_control=NO_STORE)
    async def get_one(self, application_id: RowId, db_session: DbSession) -> StaffApplicationView:
        """An application with the applicant and its audit trail (who, what, when, before/after)."""
        return await service.staff_view(db_session, application_id=application_id)

    @post("/{application_id:int}/transitions", status_code=200, operation_id="staffMoveApplication")
    async def transition(
        self,
        application_id: RowId,
        data: JSONBody[TransitionRequest],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> StaffApplicationView:
        """Move the application one legal step; ``done`` applies its effect (new card, facility, corrected data)."""
        return await service.staff_transition(
            db_session,
            staff_account_id=principal.account_id,
            application_id=application_id,
            request=data,
            context=request_context,
        )

    @post("/{application_id:int}/decision", status_code=200, operation_id="staffDecideDispute")
    async def decide(
        self,
        application_id: RowId,
        data: JSONBody[DisputeDecisionRequest],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> StaffApplicationView:
        """Decide a visit dispute, upheld or rejected, with the reason the citizen reads."""
        return await service.staff_decide_dispute(
            db_session,
            staff_account_id=principal.account_id,
            application_id=application_id,
            request=data,
            context=request_context,
        )


class FacilityDisputeController(Controller):
    """Disputes of the facility's own visits, for its admin (a person): read them and answer. Neither the clinic's
    machine credential nor another facility's admin sees them; no citizen contact data is shown."""

    path = "/clinic/visit-disputes"
    tags = ["clinic"]
    guards = [requires_facility_admin]
    cache_control = NO_STORE

    @get("", operation_id="listFacilityDisputes")
    async def list_disputes(
        self,
        principal: Caller,
        db_session: DbSession,
        open_only: OpenOnly = False,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> OffsetPagination[FacilityDisputeView]:
        """Disputes of the facility's visits, newest first."""
        items, total = await disputes.facility_disputes(
            db_session, account_id=principal.account_id, open_only=open_only, limit=limit, offset=offset
        )
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @get("/{application_id:int}", operation_id="getFacilityDispute")
    async def get_dispute(self, application_id: RowId, principal: Caller, db_session: DbSession) -> FacilityDisputeView:
        """One dispute of the facility's visits, with its timeline."""
        return await disputes.facility_dispute(
            db_session, account_id=principal.account_id, application_id=application_id
        )

    @post("/{application_id:int}/responses", operation_id="respondToDispute")
    async def respond(
        self, application_id: RowId, data: JSONBody[FacilityResponseRequest], principal: Caller, db_session: DbSession
    ) -> FacilityDisputeView:
        """Attach the facility's answer to an undecided dispute; the citizen is told."""
        return await disputes.respond(
            db_session, account_id=principal.account_id, application_id=application_id, text=data.text
        )

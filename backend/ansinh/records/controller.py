"""Records routes: the signed-in citizen's contributions, ledger, benefits, estimates and medical visits."""

from typing import Annotated, Literal

from litestar import Controller, Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.pagination import OffsetPagination
from litestar.params import QueryParameter

from ansinh.core.deps import Caller, DbSession
from ansinh.core.pagination import Limit, Offset
from ansinh.core.routes import EncodedJSON, hot_get
from ansinh.core.time import today_vn
from ansinh.identity.guards import requires_citizen, verified_caller
from ansinh.records import service
from ansinh.records.schemas import (
    BenefitsPublic,
    ContributionsPublic,
    EstimatesPublic,
    LedgerRow,
    MedicalVisitPublic,
)

# Records are personal: never kept by a shared or browser cache.
NO_STORE = CacheControlHeader(no_store=True, private=True)

FromMonth = Annotated[str | None, QueryParameter(name="from", description="First month shown, YYYY-MM", max_length=7)]
ToMonth = Annotated[str | None, QueryParameter(name="to", description="Last month shown, YYYY-MM", max_length=7)]
ExportFormat = Annotated[
    Literal["json", "csv"], QueryParameter(name="format", description="json (default) or csv (UTF-8 with BOM)")
]


class RecordsController(Controller):
    """A citizen's own records; whatever the request says, only the caller's person is read."""

    path = "/me"
    tags = ["records"]
    guards = [requires_citizen]
    cache_control = CacheControlHeader(no_store=True, private=True)

    @hot_get("/contributions", operation_id="getContributions", cache_control=NO_STORE)
    async def contributions(
        self,
        request: Request,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
        export: ExportFormat = "json",
    ) -> ContributionsPublic:
        """Contribution periods, newest first, with paid months, SI time, arrears and the salary average."""
        history = await service.contributions(
            request.app.state.statements,
            account_id=verified_caller(request).account_id,
            from_month=from_month,
            to_month=to_month,
        )
        if export == "csv":
            return Response(  # type: ignore[return-value]
                service.contributions_csv(history),
                media_type="text/csv",
                headers={"Content-Disposition": 'attachment; filename="ansinh-contributions.csv"'},
            )
        # Encoded by pydantic-core in one pass (Rust), not dumped to Python objects and encoded again: a 40-year
        # history is ~30 kB of JSON, and its encoding was a tenth of the endpoint's CPU.
        return EncodedJSON(history.model_dump_json().encode())  # type: ignore[return-value]

    @get(
        "/contributions/months",
        operation_id="listContributionMonths",
        cache_control=NO_STORE,
    )
    async def contribution_months(
        self, principal: Caller, db_session: DbSession, limit: Limit = 24, offset: Offset = 0
    ) -> OffsetPagination[LedgerRow]:
        """The month-by-month ledger: one row per month per fund, newest month first."""
        rows, total = await service.ledger(db_session, account_id=principal.account_id, limit=limit, offset=offset)
        return OffsetPagination(items=rows, total=total, limit=limit, offset=offset)

    @get("/benefits", operation_id="listBenefits", cache_control=NO_STORE)
    async def benefits(
        self, principal: Caller, db_session: DbSession, limit: Limit = 50, offset: Offset = 0
    ) -> BenefitsPublic:
        """Benefits received and pending, newest first, and the pension where retired."""
        return await service.benefits(db_session, account_id=principal.account_id, limit=limit, offset=offset)

    @get("/estimates", operation_id="getEstimates", cache_control=NO_STORE)
    async def estimates(self, principal: Caller, db_session: DbSession) -> EstimatesPublic:
        """Pension, one-time allowance and unemployment estimates, each with its inputs and rule."""
        return await service.estimates(db_session, account_id=principal.account_id, today=today_vn())

    @get(
        "/medical-visits",
        operation_id="listMedicalVisits",
        cache_control=NO_STORE,
    )
    async def medical_visits(
        self, principal: Caller, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[MedicalVisitPublic]:
        """Health-insurance visits, newest first."""
        items, total = await service.medical_visits(
            db_session, account_id=principal.account_id, limit=limit, offset=offset
        )
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

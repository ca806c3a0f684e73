"""Public look-ups: facilities, card validity, the legal tables (base salary, rates) and quotes."""

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.datastructures import CacheControlHeader
from litestar.pagination import OffsetPagination
from litestar.params import JSONBody, QueryParameter

from ansinh.applications.schemas import VoluntaryQuote
from ansinh.applications.service import voluntary_quote
from ansinh.core.deps import Context, DbSession, Store
from ansinh.core.pagination import Limit, Offset
from ansinh.core.time import today_vn
from ansinh.lookups import service as lookups
from ansinh.records.tables import OTHER, VOLUNTARY_CATEGORIES

Query = Annotated[
    str | None, QueryParameter(name="q", max_length=100, description="Part of the name, or a code prefix")
]
Province = Annotated[str | None, QueryParameter(name="province", max_length=2, description="2-digit province code")]
Income = Annotated[int, QueryParameter(name="monthly_income", ge=0, description="Chosen monthly income, VND")]
Category = Annotated[
    Literal[VOLUNTARY_CATEGORIES],  # type: ignore[valid-type]
    QueryParameter(name="category", description="poor, near_poor, ethnic_minority or other"),
]
Level = Annotated[str | None, QueryParameter(name="level", max_length=16, description="central, provincial…")]
# Reference tables change by decree, a few times a decade: let browsers and proxies keep them for an hour.
CACHE_AN_HOUR = CacheControlHeader(public=True, max_age=3600)


class LookupController(Controller):
    """What anyone may look up without signing in; rate limited by IP."""

    path = ""
    tags = ["lookups"]

    @get("/facilities", operation_id="listFacilities", cache_control=CACHE_AN_HOUR)
    async def facilities(
        self,
        db_session: DbSession,
        store: Store,
        request_context: Context,
        q: Query = None,
        province: Province = None,
        level: Level = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> OffsetPagination[lookups.FacilityPublic]:
        """Medical facilities by name or code, province and level."""
        items, total = await lookups.facilities(
            db_session,
            store,
            ip=request_context.ip,
            query=q,
            province=province,
            level=level,
            limit=limit,
            offset=offset,
        )
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/lookups/card",
        status_code=200,
        operation_id="lookupCardValidity",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def card(
        self, data: JSONBody[lookups.CardValidityRequest], db_session: DbSession, store: Store, request_context: Context
    ) -> lookups.CardValidity:
        """Whether a card is in force, and until when; POST so names and birth dates stay out of URLs and logs."""
        return await lookups.card_validity(db_session, store, ip=request_context.ip, request=data, today=today_vn())

    @get("/reference/base-salary", operation_id="referenceBaseSalary", cache_control=CACHE_AN_HOUR)
    async def base_salary(self) -> list[lookups.BaseSalaryRow]:
        """The base salary (lương cơ sở) by effective date."""
        return lookups.base_salary_table(today_vn())

    @get("/reference/contribution-rates", operation_id="referenceContributionRates", cache_control=CACHE_AN_HOUR)
    async def contribution_rates(self) -> list[lookups.RateRowPublic]:
        """Compulsory contribution rates per fund (employer and employee), with their history."""
        return lookups.contribution_rate_table(today_vn())

    @get(
        "/reference/voluntary-contribution", operation_id="referenceVoluntaryContribution", cache_control=CACHE_AN_HOUR
    )
    async def voluntary(self, monthly_income: Income, category: Category = OTHER) -> VoluntaryQuote:
        """Voluntary SI this month at a chosen income: the 22% contribution, the state support, what is left to pay."""
        return voluntary_quote(monthly_income=monthly_income, category=category, on=today_vn())

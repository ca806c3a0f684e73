"""Clinic routes: the facility's client-credentials sign-in, card verification and patient lookup, its staff list,
and the citizen's receipts of those checks."""

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.enums import RequestEncodingType
from litestar.pagination import OffsetPagination
from litestar.params import Body, FromPath, JSONBody

from ansinh.cards.schemas import CardCheckReceipt
from ansinh.clinics import checks, staff
from ansinh.clinics.schemas import CheckResponse, LookupRequest, StaffCreate, StaffPublic, VerifyRequest, VerifyScan
from ansinh.clinics.service import issue_clinic_token
from ansinh.core.credentials import ClientCredentialsForm, client_credentials
from ansinh.core.deps import AppSettings, Caller, Context, DbSession, Store
from ansinh.core.lane import LaneRoute
from ansinh.core.pagination import Limit, Offset
from ansinh.core.routes import EncodedJSON, hot_post
from ansinh.core.tokens import Principal
from ansinh.identity.guards import requires_citizen, requires_clinic, requires_facility_admin, verified_caller
from ansinh.identity.schemas import ClinicTokenResponse

# The card scan's route name: the hot lane (core/lane.py) serves its ordinary requests, at the path and with the
# headers Litestar registered for it.
VERIFY_ROUTE = "clinic-verify"


class ClinicAuthController(Controller):
    """Facility sign-in."""

    path = "/clinic"
    tags = ["clinic"]

    @post("/token", status_code=200, operation_id="clinicToken", cache_control=CacheControlHeader(no_store=True))
    async def token(
        self,
        request: Request,
        data: Annotated[ClientCredentialsForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        db_session: DbSession,
        store: Store,
        settings: AppSettings,
        request_context: Context,
    ) -> ClinicTokenResponse:
        """Exchange the facility's client id and secret for a short-lived clinic token."""
        client_id, secret = client_credentials(request.headers.get("authorization", ""), data)
        token, expires_in, facility_code = await issue_clinic_token(
            db_session,
            store,
            settings=settings,
            grant_type=data.grant_type,
            client_id=client_id,
            client_secret=secret,
            ip=request_context.ip,
        )
        return ClinicTokenResponse(access_token=token, expires_in=expires_in, facility_code=facility_code)


class CardCheckReceiptController(Controller):
    """The citizen's receipts: every check of their card by a facility."""

    path = "/me/card"
    tags = ["cards"]
    guards = [requires_citizen]
    cache_control = CacheControlHeader(no_store=True, private=True)

    @get("/checks", operation_id="listCardChecks")
    async def checks(
        self, principal: Caller, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[CardCheckReceipt]:
        """Who checked the card, when and with what result, newest first."""
        items, total = await checks.receipts(db_session, account_id=principal.account_id, limit=limit, offset=offset)
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)


class ClinicCheckController(Controller):
    """Card checks by a signed-in facility; each names the checking staff member and is logged."""

    path = "/clinic"
    tags = ["clinic"]
    guards = [requires_clinic]
    cache_control = CacheControlHeader(no_store=True)

    @hot_post("/verify", status_code=200, operation_id="clinicVerify", compress=False, name=VERIFY_ROUTE)
    async def verify(self, data: JSONBody[VerifyRequest], request: Request) -> CheckResponse:
        """Verify a scanned card token: signature, expiry, then the card's status in the registry."""
        return await _run_check(request, checks.verify, data)

    @hot_post("/lookup", status_code=200, operation_id="clinicLookup", compress=False)
    async def lookup(self, data: JSONBody[LookupRequest], request: Request) -> CheckResponse:
        """Look a patient up by citizen ID or card number; name and birth date must match."""
        return await _run_check(request, checks.lookup, data)


async def _run_check(request: Request, check: Any, data: VerifyRequest | LookupRequest) -> CheckResponse:
    """Run a check for the calling clinic; its answer is already JSON (encoded once, also kept for retries)."""
    # The state's constants are read here rather than resolved as dependencies on the hot path.
    answer = await _checked(request.app.state, verified_caller(request).subject, check, data)
    return EncodedJSON(answer)  # type: ignore[return-value]  # sent as is by the hot route


async def _checked(state: State, client_id: str, check: Any, data: Any) -> bytes:
    return await check(
        state.statements,
        state.store,
        settings=state.settings,
        services=state.check_services,
        client_id=client_id,
        request=data,
    )


def verify_lane_route(headers: list[tuple[bytes, bytes]]) -> LaneRoute:
    """The card scan as the hot lane serves it; ``headers``: the Litestar route's own (``HotRoute.json_headers``)."""

    async def answer(state: State, principal: Principal, data: VerifyScan) -> bytes:
        return await _checked(state, principal.subject, checks.verify, data)

    return LaneRoute(role="clinic", body=VerifyScan, answer=answer, headers=headers)


class FacilityStaffController(Controller):
    """The facility's registered checking staff, managed by its admin (a person); every change is audited. The
    clinic's machine credential cannot change the list."""

    path = "/clinic/staff"
    tags = ["clinic"]
    guards = [requires_facility_admin]
    cache_control = CacheControlHeader(no_store=True)

    @get("", operation_id="listFacilityStaff")
    async def list_staff(
        self, principal: Caller, db_session: DbSession, limit: Limit = 50, offset: Offset = 0
    ) -> OffsetPagination[StaffPublic]:
        """The staff allowed to check cards at the admin's facility."""
        items, total = await staff.list_staff(db_session, account_id=principal.account_id, limit=limit, offset=offset)
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @post("", operation_id="addFacilityStaff")
    async def add_staff(
        self,
        data: JSONBody[StaffCreate],
        principal: Caller,
        db_session: DbSession,
        request: Request,
        request_context: Context,
    ) -> StaffPublic:
        """Register a staff member (full name + citizen ID); their checks answer from the next one on."""
        member, facility_id = await staff.add_staff(
            db_session, account_id=principal.account_id, data=data, context=request_context
        )
        request.app.state.check_services.staff.forget(facility_id)
        return member

    @delete("/{staff_id:str}", operation_id="removeFacilityStaff")
    async def remove_staff(
        self,
        staff_id: FromPath[str],
        principal: Caller,
        db_session: DbSession,
        request: Request,
        request_context: Context,
    ) -> None:
        """Take a staff member off the list; their checks answer 054 from the next one on."""
        facility_id = await staff.remove_staff(
            db_session, account_id=principal.account_id, staff_id=staff_id[:64], context=request_context
        )
        request.app.state.check_services.staff.forget(facility_id)

"""Employer routes: the software's client-credentials sign-in, the employer, declarations (JSON and D02-LT CSV),
dues, arrears, workers, and the bank's signed payment callback."""

import asyncio
import csv
import io
from typing import Annotated, Literal

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.enums import RequestEncodingType
from litestar.pagination import OffsetPagination
from litestar.params import Body, HeaderParameter, JSONBody, PathParameter, QueryParameter
from pydantic import BaseModel, Field

from ansinh.core.credentials import ClientCredentialsForm, client_credentials
from ansinh.core.deps import AppSettings, Caller, Context, DbSession, Store
from ansinh.core.pagination import Limit, Offset
from ansinh.core.time import today_vn, utcnow
from ansinh.employers import service
from ansinh.employers.schemas import (
    MONTH_PATTERN,
    ArrearsPublic,
    DeclarationIn,
    DeclarationReceipt,
    DeclarationResult,
    DeclarationSummary,
    DueRow,
    EmployerOwing,
    EmployerPublic,
    EmployerTokenResponse,
    PaymentPlanIn,
    PaymentPlanPublic,
    PaymentPublic,
    StaffArrears,
    WorkerPublic,
)
from ansinh.employers.upload import MAX_UPLOAD_BYTES, XLSX_MEDIA_TYPE, escape_cell, read_csv, read_xlsx
from ansinh.households.provider import SIGNATURE_HEADER, sign
from ansinh.identity.guards import requires_employer, requires_staff

NO_STORE = CacheControlHeader(no_store=True, private=True)
IdempotencyKey = Annotated[
    str | None, HeaderParameter(name="Idempotency-Key", required=False, description="1–64 characters, one per write")
]
EmployerCode = Annotated[str, PathParameter(max_length=16, description="Unit code (mã đơn vị)")]
Month = Annotated[str, QueryParameter(name="month", pattern=MONTH_PATTERN, description="YYYY-MM")]
BatchId = Annotated[int, PathParameter(ge=1, le=2**62, description="Declaration id")]
ExportFormat = Annotated[Literal["json", "csv"], QueryParameter(name="format", description="json (default) or csv")]


class EmployerAuthController(Controller):
    """Declaration software's sign-in."""

    path = "/employer"
    tags = ["employers"]

    @post("/token", status_code=200, operation_id="employerToken", cache_control=CacheControlHeader(no_store=True))
    async def token(
        self,
        request: Request,
        data: Annotated[ClientCredentialsForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        db_session: DbSession,
        store: Store,
        settings: AppSettings,
        request_context: Context,
    ) -> EmployerTokenResponse:
        """Exchange the employer software's client id and secret for a short-lived token naming the employer."""
        client_id, secret = client_credentials(request.headers.get("authorization", ""), data)
        token, expires_in, code = await service.issue_employer_token(
            db_session,
            store,
            settings=settings,
            grant_type=data.grant_type,
            client_id=client_id,
            client_secret=secret,
            ip=request_context.ip,
        )
        return EmployerTokenResponse(access_token=token, expires_in=expires_in, employer_code=code)


class EmployerController(Controller):
    """What an HR clerk or the employer's software may see and do; only for employers the caller acts for."""

    path = "/employers"
    tags = ["employers"]
    guards = [requires_employer]
    cache_control = NO_STORE

    @get("/", operation_id="listMyEmployers")
    async def mine(self, principal: Caller, db_session: DbSession) -> list[EmployerPublic]:
        """The employers the caller acts for."""
        return [service.employer_public(e) for e in await service.employers_of(db_session, principal)]

    @get("/{code:str}", operation_id="getEmployer")
    async def employer(self, code: EmployerCode, principal: Caller, db_session: DbSession) -> EmployerPublic:
        """One employer's details."""
        return service.employer_public(await service.acting_employer(db_session, principal, code))

    @get("/{code:str}/workers", operation_id="listEmployerWorkers")
    async def workers(
        self, code: EmployerCode, principal: Caller, db_session: DbSession, export: ExportFormat = "json"
    ) -> list[WorkerPublic]:
        """Everyone the employer has declared, with the latest salary (CSV cells are escaped against formulas)."""
        employer = await service.acting_employer(db_session, principal, code)
        rows = await service.workers(db_session, employer=employer)
        if export == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(
                [
                    "Mã số BHXH (si_code)",
                    "Họ và tên (full_name)",
                    "Từ tháng (from_month)",
                    "Mức lương (salary)",
                    "Đang làm (employed)",
                ]
            )
            for w in rows:
                writer.writerow([escape_cell(v) for v in (w.si_code, w.full_name, w.from_month, w.salary, w.employed)])
            return Response(  # type: ignore[return-value]
                "\ufeff".encode() + buffer.getvalue().encode(),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="workers-{employer.code}.csv"'},
            )
        return rows

    @post("/{code:str}/declarations", operation_id="declare")
    async def declare(
        self,
        code: EmployerCode,
        data: JSONBody[DeclarationIn],
        principal: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[DeclarationResult]:
        """Declare a month's hires, leaves, salary changes and months without contribution: all applied, or none."""
        employer = await service.acting_employer(db_session, principal, code)
        result, created = await service.declare(
            db_session,
            employer=employer,
            month=data.month,
            lines=list(enumerate(data.lines, start=1)),
            source=service.BatchSource.JSON,
            idempotency_key=idempotency_key,
            digest=service.request_hash(data.model_dump(mode="json")),
            submitted_by=principal.subject,
        )
        return _applied(result, created)

    @post(
        "/{code:str}/declarations/upload",
        operation_id="uploadDeclarations",
        request_max_body_size=MAX_UPLOAD_BYTES,
    )
    async def upload(
        self,
        request: Request,
        code: EmployerCode,
        month: Month,
        principal: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[DeclarationResult]:
        """Upload a month's D02-LT list as CSV (UTF-8) or XLSX: checked whole, every problem listed, nothing partial."""
        employer = await service.acting_employer(db_session, principal, code)
        body = await request.body()
        xlsx = request.headers.get("content-type", "").startswith(XLSX_MEDIA_TYPE) or body.startswith(b"PK\x03\x04")
        lines, problems = await asyncio.to_thread(read_xlsx, body) if xlsx else read_csv(body)
        result, created = await service.declare(
            db_session,
            employer=employer,
            month=month,
            lines=lines,
            problems=problems,
            source=service.BatchSource.XLSX if xlsx else service.BatchSource.CSV,
            idempotency_key=idempotency_key,
            digest=service.request_hash({"month": month, "csv": service.body_hash(body)}),
            submitted_by=principal.subject,
        )
        return _applied(result, created)

    @get("/{code:str}/dues", operation_id="getEmployerDues")
    async def dues(self, code: EmployerCode, month: Month, principal: Caller, db_session: DbSession) -> list[DueRow]:
        """Each worker's dues for a month, per fund, and what has been paid."""
        employer = await service.acting_employer(db_session, principal, code)
        return await service.dues(db_session, employer=employer, month=month)

    @get("/{code:str}/arrears", operation_id="getEmployerArrears")
    async def arrears(self, code: EmployerCode, principal: Caller, db_session: DbSession) -> ArrearsPublic:
        """Per month: dues, paid, owed and the late-payment interest as of today."""
        employer = await service.acting_employer(db_session, principal, code)
        return await service.arrears(db_session, employer=employer)

    @get("/{code:str}/declarations", operation_id="listEmployerDeclarations")
    async def declarations(
        self, code: EmployerCode, principal: Caller, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[DeclarationSummary]:
        """The employer's declarations, newest first."""
        employer = await service.acting_employer(db_session, principal, code)
        items, total = await service.declarations(db_session, employer=employer, limit=limit, offset=offset)
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @get("/{code:str}/declarations/{batch_id:int}", operation_id="getEmployerDeclaration")
    async def receipt(
        self, code: EmployerCode, batch_id: BatchId, principal: Caller, db_session: DbSession
    ) -> DeclarationReceipt:
        """One applied declaration with its lines: the receipt the employer's page prints."""
        employer = await service.acting_employer(db_session, principal, code)
        return await service.receipt(db_session, employer=employer, batch_id=batch_id)

    @get("/{code:str}/payments", operation_id="listEmployerPayments")
    async def payments(self, code: EmployerCode, principal: Caller, db_session: DbSession) -> list[PaymentPublic]:
        """Payments received from the employer's bank, newest first."""
        employer = await service.acting_employer(db_session, principal, code)
        return await service.payments(db_session, employer=employer)

    @get("/{code:str}/payment-plans", operation_id="listEmployerPaymentPlans")
    async def plans(self, code: EmployerCode, principal: Caller, db_session: DbSession) -> list[PaymentPlanPublic]:
        """Payment plans agreed with the social insurance office, newest first."""
        employer = await service.acting_employer(db_session, principal, code)
        return await service.plans(db_session, employer=employer)


class StaffEmployerController(Controller):
    """Staff: employers in arrears, an employer's account, and payment plans (each plan audited)."""

    path = "/staff/employers"
    tags = ["staff"]
    guards = [requires_staff]
    cache_control = NO_STORE

    @get("/", operation_id="listOwingEmployers")
    async def owing(
        self, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[EmployerOwing]:
        """Employers with unpaid dues, most owed first."""
        items, total = await service.owing(db_session, limit=limit, offset=offset)
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @get("/{code:str}/arrears", operation_id="getStaffEmployerArrears")
    async def arrears(self, code: EmployerCode, db_session: DbSession) -> StaffArrears:
        """An employer's dues, payments, arrears and interest per month, and its payment plans."""
        employer = await service.employer_by_code(db_session, code)
        return await service.staff_arrears(db_session, employer=employer)

    @post("/{code:str}/payment-plans", operation_id="recordPaymentPlan")
    async def record_plan(
        self,
        code: EmployerCode,
        data: JSONBody[PaymentPlanIn],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> PaymentPlanPublic:
        """Record a payment plan whose instalments pay what the employer owes today (audited)."""
        employer = await service.employer_by_code(db_session, code)
        return await service.record_plan(
            db_session,
            employer=employer,
            plan=data,
            staff_account_id=principal.account_id,
            context=request_context,
        )


def _applied(result: DeclarationResult, created: bool) -> Response[DeclarationResult]:
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return Response(result, status_code=201 if created else 200, headers=headers)


class EmployerPaymentCallbackController(Controller):
    """Where the bank reports employers' payments; trusted only through the HMAC signature."""

    path = "/employer-payments"
    tags = ["employers"]

    @post("/callback", status_code=200, operation_id="employerPaymentCallback", cache_control=NO_STORE)
    async def callback(self, request: Request, db_session: DbSession, settings: AppSettings) -> dict[str, str]:
        """Record a payment once per bank reference and allocate it to the oldest dues."""
        return await service.record_payment(
            db_session,
            body=await request.body(),
            signature=request.headers.get(SIGNATURE_HEADER),
            secret=settings.payment_hmac_secret,
            now=utcnow(),
        )


class SimulatedBankPayment(BaseModel):
    """A payment the dev bank should report."""

    amount: int = Field(gt=0, le=10**13)
    bank_ref: str = Field(min_length=1, max_length=64)


class DevEmployerPaymentController(Controller):
    """Dev only (mounted when ANSINH_ENV=dev): play the bank's signed callback for an employer one acts for."""

    path = "/dev/employers"
    tags = ["dev"]
    guards = [requires_employer]

    @post("/{code:str}/payments", status_code=200, operation_id="simulateEmployerPayment")
    async def simulate(
        self,
        code: EmployerCode,
        data: JSONBody[SimulatedBankPayment],
        principal: Caller,
        db_session: DbSession,
        settings: AppSettings,
    ) -> dict[str, str]:
        """Send the callback the bank would send, through the real callback path."""
        employer = await service.acting_employer(db_session, principal, code)
        now = utcnow()
        body = service.payment_body(
            bank_ref=data.bank_ref, employer_code=employer.code, amount=data.amount, paid_on=today_vn(now)
        )
        signature = sign(body, secret=settings.payment_hmac_secret, timestamp=int(now.timestamp()))
        return await service.record_payment(
            db_session, body=body, signature=signature, secret=settings.payment_hmac_secret, now=now
        )

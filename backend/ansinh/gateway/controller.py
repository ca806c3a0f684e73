"""The national gateway's session and card check, at its own paths and field names (specs/vss-gateway.md 1–2)."""

import json
from typing import Any
from urllib.parse import parse_qs

from litestar import Controller, Request, Response, post
from litestar.datastructures import CacheControlHeader
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, Field

from ansinh.cards.results import CheckResult
from ansinh.core.deps import AppSettings, Caller, Context, DbSession, Store
from ansinh.core.errors import NotFound, TooManyRequests
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.time import utcnow
from ansinh.gateway import checks, service
from ansinh.identity.guards import requires_staff

MAX_BODY = 16 * 1024
REFUSED = {"maKetQua": "401"}


async def fields_of(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """The body's fields: a form when the client says so, else JSON whatever the Content-Type; None when unreadable."""
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}
    try:
        fields = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        return None
    return fields if isinstance(fields, dict) else None


def json_fields(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object whatever the Content-Type; None when it is not one."""
    try:
        fields = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        return None
    return fields if isinstance(fields, dict) else None


def _gateway_answer(result: CheckResult, message: str) -> Response[dict[str, Any]]:
    return Response(checks.empty_answer(result, message), status_code=200)


class GatewaySessionController(Controller):
    """``POST /api/token/take``: a facility's hospital software signs in."""

    path = "/api/token"
    tags = ["gateway"]
    cache_control = CacheControlHeader(no_store=True)

    @post(
        "/take",
        operation_id="gatewayTokenTake",
        status_code=200,
        request_max_body_size=MAX_BODY,
        responses={
            200: ResponseSpec(
                data_container=dict[str, Any],
                description="maKetQua 200 with APIKey (access_token, id_token, token_type, username, expires_in), 401",
            )
        },
    )
    async def take(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        store: Store,
        settings: AppSettings,
        request_context: Context,
    ) -> Response[dict[str, Any]]:
        """Sign in with ``username`` and ``password`` (the MD5 hex of the password, either case), JSON or form."""
        fields = await fields_of(request) or {}
        username, password = fields.get("username"), fields.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return Response(REFUSED, status_code=200)
        signed_in = await service.sign_in(
            db_session,
            store,
            secret_key=settings.secret_key,
            username=username,
            password=password,
            ip=request_context.ip,
        )
        if signed_in is None:
            return Response(REFUSED, status_code=200)
        api_key = {
            "access_token": signed_in.access_token,
            "id_token": signed_in.id_token,
            "token_type": "Bearer",
            "username": signed_in.username,
            "expires_in": service.expires_text(signed_in.expires_at),
        }
        return Response({"maKetQua": "200", "APIKey": api_key}, status_code=200)


class GatewayCardCheckController(Controller):
    """``POST /api/egw/KQNhanLichSuKCB2024``: a card check from hospital software, its session in the query string."""

    path = "/api/egw"
    tags = ["gateway"]
    cache_control = CacheControlHeader(no_store=True)

    @post(
        "/KQNhanLichSuKCB2024",
        operation_id="KQNhanLichSuKCB2024",
        status_code=200,
        request_max_body_size=MAX_BODY,
        responses={
            200: ResponseSpec(
                data_container=dict[str, Any],
                description="Every result, 401 and 205 included: maKetQua, ghiChu, the card fields (spec section 2)",
            ),
            429: ResponseSpec(data_container=dict[str, Any], description="The facility's rate limit (Retry-After)"),
        },
    )
    async def check(
        self, request: Request[Any, Any, Any], store: Store, settings: AppSettings
    ) -> Response[dict[str, Any]]:
        """Check a card: maThe, hoTen, ngaySinh, hoTenCb, cccdCb (JSON whatever the Content-Type); HTTP 200."""
        query = request.query_params
        session = await service.live_session(
            store,
            secret_key=settings.secret_key,
            access_token=str(query.get("token") or ""),
            id_token=str(query.get("id_token") or ""),
            username=str(query.get("username") or ""),
            password=str(query.get("password") or ""),
        )
        if session is None:
            return _gateway_answer(CheckResult.AUTHENTICATION_FAILED, CheckResult.AUTHENTICATION_FAILED.message_vi)
        try:
            await hit(store, f"clinic-rate:{session.client_id}", RateLimit(count=settings.clinic_rate_limit, window=1))
        except TooManyRequests as refused:
            answer = checks.empty_answer(CheckResult.SERVER_ERROR, TooManyRequests.default_vi)
            return Response(answer, status_code=429, headers=refused.headers)
        try:
            card_query = checks.card_query(json_fields(await request.body()))
        except checks.BadParameter as bad:
            return _gateway_answer(CheckResult.BAD_PARAMETER, f"{CheckResult.BAD_PARAMETER.message_vi} {bad}.")
        state = request.app.state
        answer = await checks.check_card(
            state.statements, state.check_services, session=session, query=card_query, now=utcnow()
        )
        return Response(answer, status_code=200)


class GatewayPasswordRequest(BaseModel):
    """A gateway account's new password (the facility's HIS then sends its MD5 hex)."""

    password: str = Field(min_length=12, max_length=128)


class StaffGatewayAccountController(Controller):
    """Staff set a facility's gateway password; every session of the account ends (audited)."""

    path = "/staff/gateway-accounts"
    tags = ["staff"]
    guards = [requires_staff]
    cache_control = CacheControlHeader(no_store=True)

    @post("/{username:str}/password", status_code=204, operation_id="setGatewayPassword")
    async def set_password(
        self,
        username: FromPath[str],
        data: JSONBody[GatewayPasswordRequest],
        principal: Caller,
        db_session: DbSession,
        store: Store,
        request_context: Context,
    ) -> None:
        """Set the account's password; its open sessions end at once."""
        changed = await service.set_password(
            db_session,
            store,
            username=username[: service.MAX_USERNAME],
            password=data.password,
            staff_account_id=principal.account_id,
            context=request_context,
        )
        if not changed:
            raise NotFound("No such gateway account.", "Không có tài khoản cổng tiếp nhận này.")

"""The national gateway's session and card check, at its own paths and field names (specs/vss-gateway.md 1–2)."""

import json
from typing import Any
from urllib.parse import parse_qs

from litestar import Controller, Request, Response, post
from litestar.datastructures import CacheControlHeader
from litestar.openapi import ResponseSpec

from ansinh.core.deps import AppSettings, Context, DbSession, Store
from ansinh.gateway import service
from ansinh.gateway.schemas import SessionAnswer

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
    except ValueError:
        return None
    return fields if isinstance(fields, dict) else None


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
        responses={200: ResponseSpec(data_container=SessionAnswer, description="maKetQua 200 with APIKey, or 401")},
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

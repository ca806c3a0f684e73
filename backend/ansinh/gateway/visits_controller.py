"""The QĐ 130 routes hospital software calls: check-in (XML0) and the GIAMDINHHS claim (specs/vss-gateway.md 3–4)."""

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import ClientException
from litestar.openapi import ResponseSpec

from ansinh.core.deps import DbSession
from ansinh.gateway import qd130
from ansinh.gateway.callers import FacilityCaller, facility_of_session
from ansinh.gateway.visits import Outcome, new_outcome, receive_checkins, receive_claims

# A 50 MB envelope is ~67 MB in base64, a little more once form-encoded ('+', '/' and '=' become %2B, %2F, %3D).
MAX_FORM_BYTES = 80 * 1024 * 1024
# The gateway's answers (maKetQua, thongDiep, and maGiaoDich when something was received), documented per status.
ANSWERS = {
    400: ResponseSpec(data_container=dict[str, Any], description="Nothing could be accepted; the reasons in thongDiep"),
    401: ResponseSpec(data_container=dict[str, Any], description="No valid gateway session (maKetQua 401)"),
    403: ResponseSpec(data_container=dict[str, Any], description="Another facility's code (maKetQua 403)"),
}
CHECK_IN_TYPE = "0"
CLAIM_TYPE = "130"


def _answer(status: int, message: str, **extra: Any) -> Response[dict[str, Any]]:
    """The gateway's JSON answer: its code in ``maKetQua`` and the HTTP status alike."""
    return Response({"maKetQua": str(status), "thongDiep": message, **extra}, status_code=status)


def _outcome_answer(outcome: Outcome) -> Response[dict[str, Any]]:
    """200 with the receipt when a visit was taken, else 400; the refusals listed either way."""
    extra: dict[str, Any] = {"dsLoi": [refusal.as_dict() for refusal in outcome.refusals]}
    if not outcome.accepted:
        return _answer(400, outcome.message, **extra)
    return _answer(
        200,
        outcome.message,
        maGiaoDich=outcome.receipt,
        thoiGianTiepNhan=qd130.answer_time(outcome.received_at.astimezone(qd130.VN_TZ)),
        soHoSoTiepNhan=outcome.accepted,
        **extra,
    )


async def _caller_and_file(
    request: Request[Any, Any, Any], db_session: DbSession, *, file_type: str
) -> tuple[FacilityCaller, str] | Response[dict[str, Any]]:
    """The calling facility and the file's base64, or the answer refusing them (401, 403, 400)."""
    try:
        form = await request.form()
    except (ClientException, ValueError):
        return _answer(400, "Không đọc được dữ liệu gửi lên (application/x-www-form-urlencoded).")
    headers = request.headers
    username = str(form.get("username") or "")
    caller = await facility_of_session(
        request.app.state.store,
        secret_key=request.app.state.settings.secret_key,
        access_token=headers.get("accessToken", ""),
        token_id=headers.get("tokenId", ""),
        password_hash=headers.get("passwordHash", ""),
        username=username,
    )
    if caller is None:
        return _answer(401, "Xác thực không thành công: phiên đăng nhập không hợp lệ hoặc đã hết hạn.")
    if str(form.get("maCSKCB") or "") != caller.code:
        return _answer(403, f"maCSKCB không phải cơ sở của tài khoản {caller.username} ({caller.code}).")
    province = str(form.get("maTinh") or "")
    if province and province != caller.province_code:
        return _answer(403, f"maTinh không phải tỉnh của cơ sở {caller.code} ({caller.province_code}).")
    if str(form.get("loaiHoSo") or "") != file_type:
        return _answer(400, f"loaiHoSo phải là {file_type}.")
    return caller, str(form.get("fileHSBase64") or "")


async def _receive_file(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    *,
    file_type: str,
    limit: int,
    receive: Callable[..., Awaitable[Outcome]],
) -> Response[dict[str, Any]]:
    """The caller checked, the file decoded (at most ``limit`` bytes) and taken by ``receive`` in one transaction;
    the gateway's answer."""
    called = await _caller_and_file(request, db_session, file_type=file_type)
    if isinstance(called, Response):
        return called
    caller, file = called
    outcome = new_outcome()
    try:
        data = qd130.decode_base64(file, what="fileHSBase64", limit=limit)
        await receive(db_session, caller=caller, data=data, outcome=outcome)
    except qd130.FileRefused as refused:
        await db_session.rollback()
        return _answer(refused.status, refused.reason, dsLoi=[])
    await db_session.commit()
    return _outcome_answer(outcome)


class QD130Controller(Controller):
    """Visit files from hospital software, at the national gateway's paths and field names."""

    path = "/api/qd130"
    tags = ["gateway"]
    cache_control = CacheControlHeader(no_store=True)

    @post(
        "/checkInKcbQd4750",
        operation_id="checkInKcbQd4750",
        status_code=200,
        request_max_body_size=MAX_FORM_BYTES,
        responses=ANSWERS,
    )
    async def check_in(self, request: Request[Any, Any, Any], db_session: DbSession) -> Response[dict[str, Any]]:
        """A patient received: each check-in record becomes (or updates) a visit in progress."""
        return await _receive_file(
            request, db_session, file_type=CHECK_IN_TYPE, limit=qd130.MAX_CHECKIN_BYTES, receive=receive_checkins
        )

    @post(
        "/guiHoSoXmlQD4750",
        operation_id="guiHoSoXmlQD4750",
        status_code=200,
        request_max_body_size=MAX_FORM_BYTES,
        responses=ANSWERS,
    )
    async def claim(self, request: Request[Any, Any, Any], db_session: DbSession) -> Response[dict[str, Any]]:
        """A GIAMDINHHS envelope: each visit judged and stored on its own; the good ones kept when others fail."""
        return await _receive_file(
            request, db_session, file_type=CLAIM_TYPE, limit=qd130.MAX_ENVELOPE_BYTES, receive=receive_claims
        )

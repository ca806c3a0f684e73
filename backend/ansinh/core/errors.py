"""Domain errors and their RFC 9457 problem+json rendering, in English or Vietnamese."""

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from asyncpg.exceptions import PostgresError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://ansinh.example/problems/"

logger = logging.getLogger("ansinh.errors")


class DomainError(Exception):
    """A rule said no; subclasses set the status, a stable type and both languages' texts."""

    status_code: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    default_en: ClassVar[str] = "The request cannot be processed."
    default_vi: ClassVar[str] = "Yêu cầu không thể xử lý."

    def __init__(
        self,
        detail_en: str | None = None,
        detail_vi: str | None = None,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail_en = detail_en or self.default_en
        self.detail_vi = detail_vi or (self.default_vi if detail_en is None else self.detail_en)
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(self.detail_en)


class InvalidInput(DomainError):
    status_code = 400
    slug = "invalid-request"
    title = "Invalid request"
    default_en = "Some fields are missing or invalid."
    default_vi = "Một số trường bị thiếu hoặc không hợp lệ."


class Unauthenticated(DomainError):
    status_code = 401
    slug = "unauthenticated"
    title = "Authentication required"
    default_en = "Please sign in again."
    default_vi = "Vui lòng đăng nhập lại."


class Forbidden(DomainError):
    status_code = 403
    slug = "forbidden"
    title = "Forbidden"
    default_en = "You are not allowed to do this."
    default_vi = "Bạn không có quyền thực hiện thao tác này."


class NotFound(DomainError):
    status_code = 404
    slug = "not-found"
    title = "Not found"
    default_en = "Nothing was found."
    default_vi = "Không tìm thấy dữ liệu."


class Conflict(DomainError):
    status_code = 409
    slug = "conflict"
    title = "Conflict"
    default_en = "This conflicts with the current state; reload and try again."
    default_vi = "Dữ liệu đã thay đổi; vui lòng tải lại và thử lại."


class TooManyRequests(DomainError):
    status_code = 429
    slug = "too-many-requests"
    title = "Too many requests"
    default_en = "Too many attempts. Please wait and try again."
    default_vi = "Quá nhiều lần thử. Vui lòng đợi rồi thử lại."


class ServiceUnavailable(DomainError):
    status_code = 503
    slug = "service-unavailable"
    title = "Service unavailable"
    default_en = "The service is briefly unavailable. Please try again in a moment."
    default_vi = "Hệ thống tạm thời gián đoạn. Vui lòng thử lại sau ít phút."


# Litestar's own HTTP errors, by status: (slug, English detail, Vietnamese detail); the title is the status phrase.
_HTTP_TEXTS: dict[int, tuple[str, str, str]] = {
    400: ("invalid-request", InvalidInput.default_en, InvalidInput.default_vi),
    401: ("unauthenticated", Unauthenticated.default_en, Unauthenticated.default_vi),
    403: ("forbidden", Forbidden.default_en, Forbidden.default_vi),
    404: ("not-found", "The requested resource does not exist.", "Không tìm thấy tài nguyên được yêu cầu."),
    405: ("method-not-allowed", "This method is not allowed here.", "Phương thức này không được phép."),
    413: ("payload-too-large", "The request body is too large.", "Nội dung yêu cầu quá lớn."),
    415: ("unsupported-media-type", "Unsupported content type.", "Kiểu nội dung không được hỗ trợ."),
    429: ("too-many-requests", TooManyRequests.default_en, TooManyRequests.default_vi),
}


def prefers_vietnamese(request: Request[Any, Any, Any]) -> bool:
    """True when Accept-Language ranks Vietnamese above English."""
    header = request.headers.get("accept-language", "")
    best_lang, best_q = "", -1.0
    for part in header.split(","):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = lang.strip().lower().split("-")[0]
        if primary in ("vi", "en") and q > best_q:
            best_lang, best_q = primary, q
    return best_lang == "vi"


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    slug: str,
    title: str,
    detail_en: str,
    detail_vi: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """Render one RFC 9457 problem document."""
    vi = prefers_vietnamese(request)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail_vi if vi else detail_en,
        "instance": request.url.path,
    }
    body.update(extra or {})
    response_headers = {"Content-Language": "vi" if vi else "en", **(headers or {})}
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=response_headers)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    """Map a domain error to problem+json."""
    return problem_response(
        request,
        status=exc.status_code,
        slug=exc.slug,
        title=exc.title,
        detail_en=exc.detail_en,
        detail_vi=exc.detail_vi,
        extra=exc.extra,
        headers=exc.headers,
    )


def _validation_errors(exc: ValidationException) -> list[dict[str, Any]]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    # Keep only what helps the caller fix the request; never echo internals.
    return [{k: v for k, v in e.items() if k in ("key", "message", "source")} for e in errors if isinstance(e, dict)]


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Map Litestar's HTTP exceptions (validation, 404, 405…) to problem+json."""
    status = exc.status_code
    if status >= 500:
        return handle_unexpected(request, exc)
    slug, detail_en, detail_vi = _HTTP_TEXTS.get(
        status, ("http-error", exc.detail or "Request failed.", "Yêu cầu không thành công.")
    )
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException):
        extra["errors"] = _validation_errors(exc)
    return problem_response(
        request,
        status=status,
        slug=slug,
        title=HTTPStatus(status).phrase,
        detail_en=detail_en,
        detail_vi=detail_vi,
        extra=extra,
        headers=exc.headers or None,
    )


def handle_undecodable_text(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[dict[str, Any]]:
    """Bytes that are not UTF-8 where text was expected (a JSON body, say): the caller's input, a 400."""
    return handle_domain_error(
        request,
        InvalidInput("The request is not valid UTF-8 text.", "Yêu cầu không phải văn bản UTF-8 hợp lệ."),
    )


def handle_integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[dict[str, Any]]:
    """A constraint the service did not foresee: the write was refused and rolled back."""
    logger.warning("integrity error reached the edge: %s", exc.orig)
    return handle_domain_error(request, Conflict())


# SQLSTATE classes that mean "no database right now": 08 connection exception, 57P operator intervention
# (shutdown, crash shutdown, still starting up).
_UNAVAILABLE_SQLSTATES = ("08", "57P")


def _sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of the driver error ``exc`` or the one SQLAlchemy wraps (asyncpg's ``sqlstate``, psycopg's
    ``pgcode``), or ""."""
    for error in (exc, getattr(exc, "orig", None)):
        code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if code:
            return str(code)
    return ""


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached (down, restarting, connection lost), not a bad query."""
    if isinstance(exc, ConnectionError | PoolTimeout):  # asyncpg's refused connect is raised unwrapped
        return True
    if isinstance(exc, PostgresError):  # raw asyncpg errors (the hot reads' own connections, core/statements.py)
        return _sqlstate(exc).startswith(_UNAVAILABLE_SQLSTATES)
    if isinstance(exc, DBAPIError):
        return (
            exc.connection_invalidated
            or isinstance(exc, OperationalError)
            or _sqlstate(exc).startswith(_UNAVAILABLE_SQLSTATES)
        )
    return False


# SQLSTATEs of text PostgreSQL cannot store (a NUL byte, a character outside UTF-8): the caller's input, not our fault.
_UNSTORABLE_TEXT_SQLSTATES = ("22021", "22P05")


def handle_database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """The database is unreachable: a retryable 503 (the pool reconnects by itself); any other failure is a 500.

    Text PostgreSQL refuses (a NUL byte typed into any field) is a 400: a safety net under the schemas, which check
    the fields they know to be at risk.
    """
    if _sqlstate(exc) in _UNSTORABLE_TEXT_SQLSTATES:
        return handle_domain_error(
            request,
            InvalidInput(
                "The request contains characters that cannot be stored (e.g. a NUL byte).",
                "Yêu cầu chứa ký tự không lưu được (ví dụ ký tự NUL).",
            ),
        )
    if not database_unavailable(exc):
        return handle_unexpected(request, exc)
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return handle_domain_error(request, ServiceUnavailable(headers={"Retry-After": "5"}))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Anything else is our fault: log it whole, tell the caller nothing internal."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=500,
        slug="internal-error",
        title="Internal server error",
        detail_en="Something went wrong on our side. Please try again later.",
        detail_vi="Hệ thống gặp sự cố. Vui lòng thử lại sau.",
    )


EXCEPTION_HANDLERS = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    UnicodeDecodeError: handle_undecodable_text,
    IntegrityError: handle_integrity_error,
    DBAPIError: handle_database_error,
    ConnectionError: handle_database_error,
    PostgresError: handle_database_error,
    PoolTimeout: handle_database_error,
    Exception: handle_unexpected,
}


def exception_handler_for(exc: Exception) -> Any:
    """The handler of ``EXCEPTION_HANDLERS`` Litestar would pick for ``exc``: the one of its closest class."""
    return next(EXCEPTION_HANDLERS[cls] for cls in type(exc).__mro__ if cls in EXCEPTION_HANDLERS)

"""Every response carries the security headers; HSTS only in prod over https; oversize bodies get 413."""

import base64
import hashlib
import re

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from litestar.types import Message

from ansinh.app import create_app
from ansinh.core.settings import Settings
from tests.support.problems import assert_problem

Client = AsyncTestClient[Litestar]

APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"
ONE_MIB = 1024 * 1024
PROD_SECRET = "prod-secret-that-is-long-enough-0123456789"

# (path, status, the policy it must carry; None: the route's own, checked elsewhere)
RESPONSES = [
    ("/api/v1/reference/base-salary", 200, API_POLICY),
    ("/api/v1/me/card", 401, API_POLICY),
    ("/api/v1/no-such-thing", 404, API_POLICY),
    ("/no-such-page", 404, API_POLICY),
    ("/health/live", 200, API_POLICY),
    ("/", 200, APP_POLICY),
    ("/sw.js", 200, APP_POLICY),
    ("/manifest.webmanifest", 200, API_POLICY),
    ("/pwa/index.js", 200, APP_POLICY),
    ("/pwa/app.css", 200, API_POLICY),
    ("/static/icons/favicon.svg", 200, API_POLICY),
    ("/clinic/", 200, None),
    ("/clinic/sw.js", 200, APP_POLICY),
    ("/schema", 200, None),
    ("/schema/openapi.json", 200, API_POLICY),
]


def assert_base_headers(headers: dict[str, str] | object) -> None:
    """The headers every response carries, whatever it is."""
    get_header = headers.get  # type: ignore[attr-defined]
    assert get_header("x-content-type-options") == "nosniff"
    assert get_header("referrer-policy") == "no-referrer"
    assert get_header("x-frame-options") == "DENY"
    assert get_header("cross-origin-opener-policy") == "same-origin"
    permissions = [p.strip() for p in get_header("permissions-policy", "").split(",")]
    assert "camera=(self)" in permissions
    assert {"geolocation=()", "microphone=()", "payment=()"} <= set(permissions)
    policy = get_header("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


@pytest.mark.parametrize(("path", "status", "policy"), RESPONSES)
async def test_every_kind_of_response_carries_the_security_headers(
    client: Client, path: str, status: int, policy: str | None
) -> None:
    response = await client.get(path)
    assert response.status_code == status, response.text
    assert_base_headers(response.headers)
    if policy is not None:
        assert response.headers["content-security-policy"] == policy
    assert "strict-transport-security" not in response.headers  # dev, plain http
    assert "set-cookie" not in response.headers  # the app keeps no cookies (tokens travel in headers)


async def test_the_pwa_shell_allows_no_inline_code_and_nothing_from_elsewhere(client: Client) -> None:
    response = await client.get("/")
    assert response.headers["content-type"].startswith("text/html")
    directives = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    for name in ("script-src", "style-src", "connect-src", "worker-src", "manifest-src"):
        assert directives[name] == "'self'", name
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    # The page itself keeps to it: no inline script bodies, handler attributes or style attributes.
    page = response.text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert re.search(r"\son[a-z]+\s*=", page) is None
    assert re.search(r"\sstyle\s*=", page) is None


async def test_the_clinic_page_keeps_its_own_strict_policy(client: Client) -> None:
    response = await client.get("/clinic/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert len(response.headers.get_list("content-security-policy")) == 1  # one policy, not two stacked


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


async def test_the_api_docs_allow_exactly_their_own_inline_script_and_style_by_hash(client: Client) -> None:
    response = await client.get("/schema")
    assert response.status_code == 200
    policy = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    page = response.text
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, flags=re.S)
    inline_styles = re.findall(r"<style[^>]*>(.*?)</style>", page, flags=re.S)
    assert len(inline_scripts) == 1
    assert len(inline_styles) == 1
    assert policy["script-src"] == f"'self' {_sha256(inline_scripts[0])}"
    assert policy["style-src"] == f"'self' {_sha256(inline_styles[0])}"
    assert policy["frame-ancestors"] == "'none'"
    # The spec is fetched, not inlined: the script (and so its hash) does not change with the routes.
    assert "/schema/openapi.json" in inline_scripts[0]
    assert '"paths"' not in page


@pytest.fixture
def prod_https(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "env": "prod",
            "public_url": "https://ansinh.example",
            "secret_key": PROD_SECRET,
            "payment_hmac_secret": PROD_SECRET,
        }
    )


async def _get(settings: Settings, path: str) -> tuple[int, dict[str, str]]:
    async with AsyncTestClient(app=create_app(settings)) as http:
        response = await http.get(path)
        return response.status_code, dict(response.headers)


@pytest.mark.parametrize("path", ["/", "/health/live", "/api/v1/no-such-thing"])
async def test_hsts_is_sent_in_prod_over_https(prod_https: Settings, path: str) -> None:
    _, headers = await _get(prod_https, path)
    assert headers["strict-transport-security"] == HSTS
    assert_base_headers(headers)


@pytest.mark.parametrize(
    "update",
    [
        {"public_url": "http://ansinh.internal:8000"},  # prod behind plain http: HSTS would lock users out
        {"env": "dev"},  # dev on an https URL (e.g. a tunnel): browsers would remember it for two years
    ],
)
async def test_no_hsts_unless_prod_and_https(prod_https: Settings, update: dict[str, str]) -> None:
    status, headers = await _get(prod_https.model_copy(update=update), "/health/live")
    assert status == 200
    assert "strict-transport-security" not in headers
    assert headers["x-content-type-options"] == "nosniff"


async def test_an_unexpected_error_still_carries_the_headers(app: Litestar) -> None:
    @get("/test-boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("boom")

    app.register(boom)
    async with AsyncTestClient(app=app) as http:
        response = await http.get("/test-boom")
    assert_problem(response, 500, "internal-error")
    assert_base_headers(response.headers)
    assert response.headers["content-security-policy"] == API_POLICY


def _login_body(size: int) -> bytes:
    """A syntactically valid login body (with no password, so invalid) padded with whitespace to ``size`` bytes."""
    body = b'{"username": "0100000001"}'
    return body[:-1] + b" " * (size - len(body)) + b"}"


async def test_a_body_over_one_mib_gets_413(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=_login_body(ONE_MIB + 1), headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 413, "payload-too-large")
    assert body["detail"] == "The request body is too large."
    assert_base_headers(response.headers)


async def test_a_streamed_body_without_a_length_is_cut_off_at_one_mib(app: Litestar) -> None:
    # Raw ASGI: 64 kB chunks with no Content-Length, as a chunked upload arrives; the limit counts real bytes.
    body = _login_body(ONE_MIB * 2)
    chunks = [body[start : start + 64 * 1024] for start in range(0, len(body), 64 * 1024)]
    received: list[int] = []
    sent: list[Message] = []

    async def receive() -> Message:
        received.append(len(chunks[len(received)]))
        return {"type": "http.request", "body": chunks[len(received) - 1], "more_body": len(received) < len(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/auth/login",
        "raw_path": b"/api/v1/auth/login",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    async with AsyncTestClient(app=app):  # runs the app's startup
        await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert sum(received) <= ONE_MIB + 64 * 1024  # it stopped reading soon after the limit
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"].startswith("application/problem+json")


async def test_a_body_just_under_the_limit_is_read_and_validated(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=_login_body(ONE_MIB), headers={"content-type": "application/json"}
    )
    # Read whole and judged on its content: the username is invalid, not the size.
    assert_problem(response, 400, "invalid-request")


async def test_large_answers_are_gzipped_for_clients_that_accept_it(client: AsyncTestClient) -> None:
    answer = await client.get("/schema/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.json()["openapi"].startswith("3.")  # httpx undid the gzip

"""The OpenAPI document says what the API really answers: problem+json refusals, and each success's media type."""

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from ansinh.core.errors import PROBLEM_MEDIA_TYPE


@pytest.fixture
async def document(client: AsyncTestClient[Litestar]) -> dict:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict) -> dict[str, dict]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


# The national gateway's routes answer in the gateway's own JSON (maKetQua, thongDiep), as its clients read it.
GATEWAY_PATHS = ("/api/qd130/", "/api/egw/", "/api/token/")


async def test_every_error_answer_is_documented_as_a_problem(document: dict) -> None:
    """No operation documents Litestar's JSON error body: every 4xx/5xx is RFC 9457 problem+json."""
    wrong = [
        f"{key} {status}: {sorted(response.get('content', {}))}"
        for key, operation in _operations(document).items()
        for status, response in operation["responses"].items()
        if status >= "400"
        and list(response.get("content", {})) != [PROBLEM_MEDIA_TYPE]
        and not key.split(" ", 1)[1].startswith(GATEWAY_PATHS)
    ]
    assert not wrong, wrong
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}


async def test_the_gateways_refusals_are_documented_in_its_own_json(document: dict) -> None:
    operation = _operations(document)["POST /api/qd130/guiHoSoXmlQD4750"]
    assert {"400", "401", "403"} <= set(operation["responses"])
    assert list(operation["responses"]["401"]["content"]) == ["application/json"]
    card_check = _operations(document)["POST /api/egw/KQNhanLichSuKCB2024"]
    assert list(card_check["responses"]["429"]["content"]) == ["application/json"]


async def test_guarded_operations_document_401_and_403(document: dict) -> None:
    operations = _operations(document)
    for key in ("GET /api/v1/me/card", "POST /api/v1/clinic/verify", "GET /api/v1/staff/applications"):
        assert {"401", "403"} <= set(operations[key]["responses"]), key
    assert "401" not in operations["GET /api/v1/reference/base-salary"]["responses"]


async def test_path_ids_document_404_and_their_range(document: dict) -> None:
    operation = _operations(document)["DELETE /api/v1/me/passkeys/{passkey_id}"]
    assert {"400", "404"} <= set(operation["responses"])
    (parameter,) = operation["parameters"]
    assert parameter["schema"]["minimum"] == 1
    assert parameter["schema"]["maximum"] == pytest.approx(2**63 - 1)  # JSON numbers: written as a float


async def test_success_media_types_are_the_ones_sent(document: dict) -> None:
    operations = _operations(document)
    assert list(operations["GET /.well-known/jwks.json"]["responses"]["200"]["content"]) == ["application/jwk-set+json"]
    assert list(operations["GET /api/v1/passbooks/keys"]["responses"]["200"]["content"]) == ["application/jwk-set+json"]
    assert set(operations["GET /api/v1/me/contributions"]["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
    }


async def test_operations_that_use_the_database_document_503(document: dict) -> None:
    """A database restart answers a retryable 503 (docs/RELIABILITY.md): the operations that can say so, say so."""
    operations = _operations(document)
    for key in ("GET /api/v1/me/card", "POST /api/v1/clinic/verify", "POST /api/v1/auth/login"):
        assert "503" in operations[key]["responses"], key
    assert "503" not in operations["GET /health/live"]["responses"]

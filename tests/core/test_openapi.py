"""The OpenAPI document describes every route, and its docs UI works with no internet."""

from litestar.testing import AsyncTestClient


async def test_every_api_operation_has_an_id_and_a_summary(client: AsyncTestClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 10
    for path, method, op in operations:
        assert op.get("operationId"), f"{method.upper()} {path} has no operationId"
        assert op.get("summary") or op.get("description"), f"{method.upper()} {path} is undocumented"
    assert "/api/v1/auth/login" in schema["paths"]


async def test_docs_ui_loads_its_assets_locally(client: AsyncTestClient) -> None:
    page = (await client.get("/schema")).text
    assert "cdn." not in page
    assert "unpkg" not in page
    assert "/schema-assets/swagger-ui-bundle.js" in page
    assert (await client.get("/schema-assets/swagger-ui-bundle.js")).status_code == 200

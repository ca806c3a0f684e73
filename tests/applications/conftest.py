"""Application fixtures: card holders, a clinic and staff (from the card tests), and helpers to file and move."""

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.cards.conftest import CardHolder, clinic, holder, other_holder, primary_facility, staff_headers

__all__ = ["clinic", "holder", "other_holder", "primary_facility", "staff_headers"]

Client = AsyncTestClient[Litestar]
REISSUE: dict[str, Any] = {"kind": "card_reissue", "details": {"reason": "lost"}}


async def file(client: Client, holder: CardHolder, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    """File ``body`` as ``holder``; expects 201."""
    response = await client.post("/api/v1/me/applications", json=body, headers={**holder.headers, **headers})
    assert response.status_code == 201, response.text
    return response.json()


async def move(client: Client, staff: dict[str, str], application_id: int, to: str, **extra: str) -> dict[str, Any]:
    """Move an application as staff; expects 200."""
    response = await client.post(
        f"/api/v1/staff/applications/{application_id}/transitions", json={"to": to, **extra}, headers=staff
    )
    assert response.status_code == 200, response.text
    return response.json()


async def move_to_approved(client: Client, staff: dict[str, str], application_id: int) -> None:
    await move(client, staff, application_id, "in_review")
    await move(client, staff, application_id, "approved")

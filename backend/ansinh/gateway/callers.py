"""Who is calling the QĐ 130 routes: the facility of a gateway session (specs/vss-gateway.md section 1)."""

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True, slots=True)
class FacilityCaller:
    """The facility a gateway session belongs to, and the account it was opened with."""

    facility_id: int
    code: str
    name: str
    province_code: str
    username: str


async def facility_of_session(
    db: AsyncSession, *, access_token: str, token_id: str, password_hash: str, username: str
) -> FacilityCaller | None:
    """The facility of the gateway session these headers name, or None (a 401) when there is none.

    PLACEHOLDER until the gateway session (``POST /api/token/take``, issue 20) is merged: no session can be verified
    yet, so every caller is refused. It never accepts a request it cannot verify.
    """
    del db, access_token, token_id, password_hash, username
    return None

"""Who is calling the QĐ 130 routes: the facility of a gateway session (specs/vss-gateway.md section 1)."""

from dataclasses import dataclass

from ansinh.core.store import SharedStore
from ansinh.gateway.service import live_session


@dataclass(frozen=True, slots=True)
class FacilityCaller:
    """The facility a gateway session belongs to, and the account it was opened with."""

    facility_id: int
    code: str
    name: str
    province_code: str
    username: str


async def facility_of_session(
    store: SharedStore, *, secret_key: str, access_token: str, token_id: str, password_hash: str, username: str
) -> FacilityCaller | None:
    """The facility of the gateway session these headers name (``accessToken``, ``tokenId``, ``passwordHash`` and the
    form's ``username``, all the session's own), or None (a 401)."""
    session = await live_session(
        store,
        secret_key=secret_key,
        access_token=access_token,
        id_token=token_id,
        username=username,
        password=password_hash,
    )
    if session is None:
        return None
    return FacilityCaller(
        facility_id=session.facility_id,
        code=session.facility_code,
        name=session.facility_name,
        province_code=session.province_code,
        username=session.username,
    )

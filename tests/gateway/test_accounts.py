"""Gateway accounts managed by staff and the CLI: a new password ends every open session of the account."""

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.__main__ import cli
from ansinh.core.passwords import verify_password_sync
from ansinh.core.settings import Settings, get_settings
from ansinh.gateway.models import GatewayAccount
from ansinh.identity.models import SecurityEvent
from tests.cards.test_cli import in_db
from tests.factories import bearer_for, make_staff
from tests.gateway.conftest import GATEWAY_USERNAME, GatewayFacility, md5_lower, signed_in, take

Client = AsyncTestClient[Litestar]
CHECK_URL = "/api/egw/KQNhanLichSuKCB2024"
NEW_PASSWORD = "A-new-gateway-secret"


async def test_staff_set_a_password_which_ends_the_accounts_sessions_and_is_audited(
    client: Client, db_session: AsyncSession, settings: Settings, gateway_facility: GatewayFacility
) -> None:
    session = await signed_in(client)
    staff = await make_staff(db_session)
    url = f"/api/v1/staff/gateway-accounts/{GATEWAY_USERNAME}/password"
    response = await client.post(url, json={"password": NEW_PASSWORD}, headers=bearer_for(settings, staff))
    assert response.status_code == 204
    assert (await client.post(CHECK_URL, params=session.query(), content=b"{}")).json()["maKetQua"] == "401"
    assert await take(client, username=GATEWAY_USERNAME, password=md5_lower()) == {"maKetQua": "401"}
    assert (await take(client, username=GATEWAY_USERNAME, password=md5_lower(NEW_PASSWORD)))["maKetQua"] == "200"
    events = (await db_session.exec(select(SecurityEvent).where(SecurityEvent.account_id == staff.id))).all()
    assert [event.kind for event in events] == ["gateway_password_set"]


async def test_staff_get_404_for_no_such_account_and_a_short_password_is_refused(
    client: Client, db_session: AsyncSession, settings: Settings, gateway_facility: GatewayFacility
) -> None:
    headers = bearer_for(settings, await make_staff(db_session))
    missing = "/api/v1/staff/gateway-accounts/99999_BV/password"
    assert (await client.post(missing, json={"password": NEW_PASSWORD}, headers=headers)).status_code == 404
    url = f"/api/v1/staff/gateway-accounts/{GATEWAY_USERNAME}/password"
    assert (await client.post(url, json={"password": "short"}, headers=headers)).status_code == 400


def test_the_cli_sets_the_password_read_from_stdin(settings: Settings, gateway_facility: GatewayFacility) -> None:
    env = {"ANSINH_ENV": "dev", "ANSINH_DATABASE_URL": settings.database_url, "ANSINH_DB_ECHO": "false"}
    typed = f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["gateway", "set-password", GATEWAY_USERNAME], input=typed, env=env)
        unknown = CliRunner().invoke(cli, ["gateway", "set-password", "99999_BV"], input=typed, env=env)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert unknown.exit_code == 1
    assert "no gateway account" in unknown.output

    async def stored_hash(db: AsyncSession) -> str:
        account = (await db.exec(select(GatewayAccount).where(GatewayAccount.username == GATEWAY_USERNAME))).one()
        return account.password_hash

    stored = in_db(settings, stored_hash)
    assert verify_password_sync(stored, md5_lower(NEW_PASSWORD))
    assert not verify_password_sync(stored, md5_lower())

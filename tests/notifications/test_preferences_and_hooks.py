"""Notification choices, and the two event hooks: a clinic checked the card, and a sign-in from a new device."""

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus
from ansinh.clinics.models import CardCheck
from ansinh.core.settings import Settings
from ansinh.notifications.models import Notification, NotificationPreference
from ansinh.notifications.service import describe_device
from tests.cards.conftest import STAFF, CardHolder, Clinic
from tests.factories import bearer_for, make_staff
from tests.identity.conftest import latest_code
from tests.notifications.conftest import Citizen
from tests.support.problems import assert_problem

Client = AsyncTestClient[Litestar]
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


async def notices(db: AsyncSession, person_id: int | None) -> list[Notification]:
    query = select(Notification).where(Notification.person_id == person_id)
    return list((await db.exec(query.execution_options(populate_existing=True))).all())


# --- preferences --------------------------------------------------------------------------------------------------


async def test_the_card_check_notice_is_off_until_chosen(client: Client, me: Citizen, someone_else: Citizen) -> None:
    url = "/api/v1/me/notification-preferences"
    assert (await client.get(url, headers=me.headers)).json() == {"card_checked": False}
    saved = await client.put(url, json={"card_checked": True}, headers=me.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"card_checked": True}
    assert (await client.get(url, headers=me.headers)).json() == {"card_checked": True}
    assert (await client.get(url, headers=someone_else.headers)).json() == {"card_checked": False}
    assert (await client.put(url, json={"card_checked": False}, headers=me.headers)).json() == {"card_checked": False}
    assert (await client.get(url, headers=me.headers)).json() == {"card_checked": False}


async def test_a_malformed_preference_is_a_400(client: Client, me: Citizen) -> None:
    url = "/api/v1/me/notification-preferences"
    assert_problem(await client.put(url, json={"card_checked": "maybe"}, headers=me.headers), 400, "invalid-request")
    assert_problem(await client.put(url, json={}, headers=me.headers), 400, "invalid-request")


# --- a clinic checked the card ------------------------------------------------------------------------------------


async def card_token(client: Client, holder: CardHolder) -> str:
    response = await client.post("/api/v1/me/card/token", json={"kind": "online"}, headers=holder.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def verify(client: Client, clinic: Clinic, token: str) -> dict:
    response = await client.post("/api/v1/clinic/verify", json={"token": token, **STAFF}, headers=clinic.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def opt_in(client: Client, holder: CardHolder) -> None:
    response = await client.put(
        "/api/v1/me/notification-preferences", json={"card_checked": True}, headers=holder.headers
    )
    assert response.status_code == 200


async def test_a_successful_check_notifies_a_holder_who_opted_in(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    await opt_in(client, holder)
    result = await verify(client, clinic, await card_token(client, holder))
    assert result["result"] == "000"
    [notice] = await notices(db_session, holder.person.id)
    assert notice.kind == "card_checked"
    assert notice.dedupe_key == f"card-check:{result['check_id']}"
    assert notice.params["facility"] == "Bệnh viện Đà Nẵng"
    check = await db_session.get(CardCheck, result["check_id"])
    assert check is not None
    assert notice.params["checked_at"] == check.checked_at.isoformat()
    inbox = (await client.get("/api/v1/me/notifications?lang=en", headers=holder.headers)).json()
    assert inbox["items"][0]["body"].startswith("Bệnh viện Đà Nẵng checked your health-insurance card at ")


async def test_no_notice_without_opting_in(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    assert (await verify(client, clinic, await card_token(client, holder)))["result"] == "000"
    assert await notices(db_session, holder.person.id) == []
    db_session.add(NotificationPreference(person_id=holder.person.id, card_checked=False))  # type: ignore[arg-type]
    await db_session.commit()
    assert (await verify(client, clinic, await card_token(client, holder)))["result"] == "000"
    assert await notices(db_session, holder.person.id) == []


async def test_a_check_that_fails_is_not_a_card_checked_notice(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    await opt_in(client, holder)
    token = await card_token(client, holder)
    holder.card.status = CardStatus.SUSPENDED
    db_session.add(holder.card)
    await db_session.commit()
    assert (await verify(client, clinic, token))["result"] == "920"
    assert await notices(db_session, holder.person.id) == []


# --- a sign-in from a new device ----------------------------------------------------------------------------------


async def sign_in_from(client: Client, citizen: Citizen, user_agent: str) -> None:
    headers = {"User-Agent": user_agent}
    login = await client.post(
        "/api/v1/auth/login",
        json={"username": citizen.person.si_code, "password": "Correct-Horse-42"},
        headers=headers,
    )
    assert login.status_code == 200, login.text
    code = await latest_code(client, citizen.person.phone or "")
    otp = await client.post(
        "/api/v1/auth/otp", json={"challenge_id": login.json()["challenge_id"], "code": code}, headers=headers
    )
    assert otp.status_code == 200, otp.text


async def test_a_new_device_is_told_but_not_the_first_sign_in_nor_a_known_device(
    client: Client, db_session: AsyncSession, me: Citizen
) -> None:
    await sign_in_from(client, me, ANDROID_CHROME)
    assert await notices(db_session, me.person.id) == []  # the first sign-in ever
    await sign_in_from(client, me, ANDROID_CHROME)
    assert await notices(db_session, me.person.id) == []  # the same device again
    await sign_in_from(client, me, WINDOWS_FIREFOX)
    [notice] = await notices(db_session, me.person.id)
    assert notice.kind == "new_device_sign_in"
    assert notice.link == "#/settings"
    assert notice.params["device"] == "Firefox · Windows"
    assert notice.dedupe_key.startswith("sign-in:")
    sessions = (await client.get("/api/v1/me/sessions", headers=me.headers)).json()
    assert notice.dedupe_key.removeprefix("sign-in:") in {s["id"] for s in sessions}
    await sign_in_from(client, me, WINDOWS_FIREFOX)
    await sign_in_from(client, me, ANDROID_CHROME)
    assert len(await notices(db_session, me.person.id)) == 1
    inbox = (await client.get("/api/v1/me/notifications", headers=me.headers)).json()
    assert inbox["items"][0]["body"].startswith("Tài khoản của bạn vừa đăng nhập trên Firefox · Windows lúc ")


async def test_staff_sign_ins_make_no_notices(client: Client, db_session: AsyncSession, settings: Settings) -> None:
    staff = await make_staff(db_session)
    assert bearer_for(settings, staff)  # staff have no person, hence no inbox: the hook must not fail for them
    for agent in (ANDROID_CHROME, WINDOWS_FIREFOX):
        login = await client.post(
            "/api/v1/auth/login",
            json={"username": staff.username, "password": "Correct-Horse-42"},
            headers={"User-Agent": agent},
        )
        assert login.status_code == 200, login.text
        code = await latest_code(client, staff.email or "")
        otp = await client.post(
            "/api/v1/auth/otp",
            json={"challenge_id": login.json()["challenge_id"], "code": code},
            headers={"User-Agent": agent},
        )
        assert otp.status_code == 200, otp.text
    assert (await db_session.exec(select(Notification))).all() == []


def test_devices_are_described_briefly() -> None:
    assert describe_device(ANDROID_CHROME) == "Chrome · Android"
    assert describe_device(IPHONE_SAFARI) == "Safari · iOS"
    assert describe_device(WINDOWS_FIREFOX) == "Firefox · Windows"
    edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0"
    assert describe_device(edge) == "Edge · Windows"
    assert describe_device("") == ""
    assert describe_device("curl/8.5") == ""

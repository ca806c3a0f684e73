"""The inbox: newest first, unread counts, marking read, both languages, and only ever the caller's own."""

from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.notifications.models import Notification, NotificationKind
from tests.cards.conftest import Clinic
from tests.factories import bearer_for, clinic_bearer_for, make_clinic_client, make_staff
from tests.notifications.conftest import Citizen, add_notice
from tests.support.problems import assert_problem

Client = AsyncTestClient[Litestar]
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)

APPLICATION = {"reference": "HS-2026-000123", "kind": "card_reissue", "status": "approved", "reason": None}


async def three_notices(db: AsyncSession, citizen: Citizen) -> list[Notification]:
    return [
        await add_notice(db, citizen.person, key="card-expiring:T1:2026-12-31", created_at=T0),
        await add_notice(
            db,
            citizen.person,
            key="arrears:2026-10:7",
            kind=NotificationKind.ARREARS_FOUND,
            params={"month": "2026-10", "employer": "Công ty TNHH Minh Phát", "employer_id": 7},
            link="#/contributions",
            created_at=T0 + timedelta(hours=1),
        ),
        await add_notice(
            db,
            citizen.person,
            key="application:5:approved",
            kind=NotificationKind.APPLICATION_STATUS,
            params=APPLICATION,
            link="#/applications/5",
            created_at=T0 + timedelta(hours=2),
        ),
    ]


async def test_the_inbox_lists_the_callers_notices_newest_first_with_the_unread_count(
    client: Client, db_session: AsyncSession, me: Citizen
) -> None:
    notices = await three_notices(db_session, me)
    response = await client.get("/api/v1/me/notifications", headers=me.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == [n.id for n in reversed(notices)]
    assert (body["total"], body["unread"], body["limit"], body["offset"]) == (3, 3, 20, 0)
    newest = body["items"][0]
    assert newest == {
        "id": notices[2].id,
        "kind": "application_status",
        "title": "Cập nhật hồ sơ",
        "body": "Hồ sơ cấp lại thẻ BHYT HS-2026-000123 đã được chấp thuận.",
        "link": "#/applications/5",
        "params": APPLICATION,
        "created_at": "2026-11-20T05:00:00Z",
        "read_at": None,
    }
    assert response.headers["cache-control"] == "no-store, private"


async def test_pages_and_unread_only(client: Client, db_session: AsyncSession, me: Citizen) -> None:
    notices = await three_notices(db_session, me)
    read = await client.post(f"/api/v1/me/notifications/{notices[2].id}/read", headers=me.headers)
    assert read.status_code == 200
    page = (await client.get("/api/v1/me/notifications?limit=1&offset=1", headers=me.headers)).json()
    assert [i["id"] for i in page["items"]] == [notices[1].id]
    assert (page["total"], page["unread"]) == (3, 2)
    unread = (await client.get("/api/v1/me/notifications?unread_only=true", headers=me.headers)).json()
    assert [i["id"] for i in unread["items"]] == [notices[1].id, notices[0].id]
    assert (unread["total"], unread["unread"]) == (2, 2)


async def test_texts_follow_lang_then_accept_language_then_vietnamese(
    client: Client, db_session: AsyncSession, me: Citizen
) -> None:
    await three_notices(db_session, me)
    url = "/api/v1/me/notifications"
    english = (await client.get(url, params={"lang": "en"}, headers=me.headers)).json()["items"]
    assert english[0]["title"] == "Application update"
    assert english[0]["body"] == "Your health-insurance card reissue application HS-2026-000123 has been approved."
    assert english[1]["body"].startswith("Công ty TNHH Minh Phát has not paid your social insurance for October 2026.")
    assert english[2]["body"] == "Your health-insurance card ends on 31 December 2026. Renew it to stay covered."
    by_header = (await client.get(url, headers={**me.headers, "Accept-Language": "en-GB,en;q=0.9"})).json()
    assert by_header["items"][0]["title"] == "Application update"
    ranked_vi = (await client.get(url, headers={**me.headers, "Accept-Language": "en;q=0.5,vi"})).json()
    assert ranked_vi["items"][2]["body"].startswith("Thẻ BHYT của bạn hết hạn sử dụng ngày 31/12/2026.")
    no_header = (await client.get(url, headers={**me.headers, "Accept-Language": "fr"})).json()
    assert no_header["items"][1]["title"] == "Đơn vị chưa đóng BHXH"
    assert "tháng 10/2026" in no_header["items"][1]["body"]


async def test_an_unknown_language_is_a_400(client: Client, me: Citizen) -> None:
    response = await client.get("/api/v1/me/notifications", params={"lang": "fr"}, headers=me.headers)
    assert_problem(response, 400, "invalid-request")


async def test_marking_read_is_idempotent_and_lowers_the_unread_count(
    client: Client, db_session: AsyncSession, me: Citizen
) -> None:
    notice = (await three_notices(db_session, me))[0]
    first = await client.post(f"/api/v1/me/notifications/{notice.id}/read?lang=en", headers=me.headers)
    assert first.status_code == 200, first.text
    assert first.json()["read_at"] is not None
    assert first.json()["title"] == "Health-insurance card ends soon"
    again = await client.post(f"/api/v1/me/notifications/{notice.id}/read", headers=me.headers)
    assert again.status_code == 200
    assert again.json()["read_at"] == first.json()["read_at"]
    assert (await client.get("/api/v1/me/notifications", headers=me.headers)).json()["unread"] == 2


async def test_read_all_marks_only_the_callers_unread_notices(
    client: Client, db_session: AsyncSession, me: Citizen, someone_else: Citizen
) -> None:
    await three_notices(db_session, me)
    await add_notice(db_session, someone_else.person, key="card-expiring:X:2026-12-31")
    response = await client.post("/api/v1/me/notifications/read-all", headers=me.headers)
    assert response.status_code == 200
    assert response.json() == {"marked": 3}
    assert (await client.post("/api/v1/me/notifications/read-all", headers=me.headers)).json() == {"marked": 0}
    assert (await client.get("/api/v1/me/notifications", headers=me.headers)).json()["unread"] == 0
    theirs = (await client.get("/api/v1/me/notifications", headers=someone_else.headers)).json()
    assert theirs["unread"] == 1


async def test_another_citizens_notice_is_invisible_and_cannot_be_marked(
    client: Client, db_session: AsyncSession, me: Citizen, someone_else: Citizen
) -> None:
    theirs = await add_notice(db_session, someone_else.person, key="card-expiring:X:2026-12-31")
    mine = (await client.get("/api/v1/me/notifications", headers=me.headers)).json()
    assert (mine["items"], mine["total"], mine["unread"]) == ([], 0, 0)
    refused = await client.post(f"/api/v1/me/notifications/{theirs.id}/read", headers=me.headers)
    assert_problem(refused, 404, "notification-not-found")
    missing = await client.post("/api/v1/me/notifications/999999/read", headers=me.headers)
    assert_problem(missing, 404, "notification-not-found")
    await db_session.refresh(theirs)
    assert theirs.read_at is None


ROUTES = [
    ("GET", "/api/v1/me/notifications"),
    ("POST", "/api/v1/me/notifications/1/read"),
    ("POST", "/api/v1/me/notifications/read-all"),
    ("GET", "/api/v1/me/notification-preferences"),
    ("PUT", "/api/v1/me/notification-preferences"),
    ("POST", "/api/v1/me/push-subscriptions"),
    ("DELETE", "/api/v1/me/push-subscriptions?endpoint=https://push.example.com/x"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
async def test_citizen_routes_need_a_signed_in_citizen(
    client: Client, db_session: AsyncSession, settings: Settings, method: str, url: str
) -> None:
    assert_problem(await client.request(method, url), 401, "unauthenticated")
    staff = bearer_for(settings, await make_staff(db_session))
    assert_problem(await client.request(method, url, headers=staff), 403, "forbidden")
    client_row, facility = await make_clinic_client(db_session)
    clinic = Clinic(client_row, facility, clinic_bearer_for(settings, client_row, facility))
    assert_problem(await client.request(method, url, headers=clinic.headers), 403, "forbidden")

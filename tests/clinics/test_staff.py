"""Registered checking staff: the facility admin keeps the list; a check by someone not on it answers 054, by a
registered citizen ID with another name 055 — on verify (hot lane and Litestar route alike) and look-up."""

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.models import CardCheck
from ansinh.core.settings import Settings
from ansinh.identity.models import SecurityEvent
from tests.cards.conftest import CardHolder, Clinic
from tests.factories import DEFAULT_PASSWORD, bearer_for, make_facility, make_facility_admin
from tests.identity.conftest import bearer, sign_in

Client = AsyncTestClient[Litestar]
BINH = {"full_name": "Trần Văn Bình", "citizen_id": "001090012345"}


async def admin_of(db: AsyncSession, settings: Settings, clinic: Clinic, username: str = "admin.test") -> dict:
    return bearer_for(settings, await make_facility_admin(db, facility=clinic.facility, username=username))


async def card_token(client: Client, holder: CardHolder) -> str:
    response = await client.post("/api/v1/me/card/token", json={"kind": "online"}, headers=holder.headers)
    return str(response.json()["token"])


async def verify(client: Client, clinic: Clinic, token: str, name: str, citizen_id: str) -> dict:
    response = await client.post(
        "/api/v1/clinic/verify",
        json={"token": token, "staff_name": name, "staff_citizen_id": citizen_id},
        headers=clinic.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_admin_registers_lists_and_removes_staff_and_every_change_is_audited(
    client: Client, db_session: AsyncSession, settings: Settings, clinic: Clinic
) -> None:
    headers = await admin_of(db_session, settings, clinic)
    added = await client.post("/api/v1/clinic/staff", json=BINH, headers=headers)
    assert added.status_code == 201, added.text
    member = added.json()
    assert (member["full_name"], member["citizen_id"]) == (BINH["full_name"], BINH["citizen_id"])
    assert BINH["citizen_id"] not in member["id"]

    listed = (await client.get("/api/v1/clinic/staff", headers=headers)).json()
    assert {item["citizen_id"] for item in listed["items"]} == {"001190000123", BINH["citizen_id"]}
    assert listed["total"] == 2

    again = await client.post("/api/v1/clinic/staff", json=BINH, headers=headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    removed = await client.delete(f"/api/v1/clinic/staff/{member['id']}", headers=headers)
    assert removed.status_code == 204
    assert (await client.delete(f"/api/v1/clinic/staff/{member['id']}", headers=headers)).status_code == 404
    kinds = [e.kind for e in (await db_session.exec(select(SecurityEvent).order_by(SecurityEvent.id))).all()]
    assert kinds[-2:] == ["facility_staff_added", "facility_staff_removed"]


async def test_bad_staff_input_is_a_400(
    client: Client, db_session: AsyncSession, settings: Settings, clinic: Clinic
) -> None:
    headers = await admin_of(db_session, settings, clinic)
    for body in (
        {"full_name": "Trần Văn Bình", "citizen_id": "00109001234"},
        {"full_name": "Trần Văn Bình", "citizen_id": "００１０９００１２３４５"},
        {"full_name": "X", "citizen_id": "001090012345"},
        {"citizen_id": "001090012345"},
    ):
        response = await client.post("/api/v1/clinic/staff", json=body, headers=headers)
        assert response.status_code == 400, body


async def test_the_clinic_credential_a_citizen_and_another_facility_admin_cannot_change_the_list(
    client: Client, db_session: AsyncSession, settings: Settings, clinic: Clinic, holder: CardHolder
) -> None:
    for headers in (clinic.headers, holder.headers):
        assert (await client.post("/api/v1/clinic/staff", json=BINH, headers=headers)).status_code == 403
        assert (await client.get("/api/v1/clinic/staff", headers=headers)).status_code == 403
    assert (await client.post("/api/v1/clinic/staff", json=BINH)).status_code == 401

    own = await admin_of(db_session, settings, clinic)
    member = (await client.post("/api/v1/clinic/staff", json=BINH, headers=own)).json()
    other_facility = await make_facility(db_session, code="79001", province_code="79")
    other = bearer_for(settings, await make_facility_admin(db_session, facility=other_facility, username="admin.x"))
    assert (await client.delete(f"/api/v1/clinic/staff/{member['id']}", headers=other)).status_code == 404
    assert (await client.get("/api/v1/clinic/staff", headers=other)).json()["total"] == 0


async def test_an_unregistered_citizen_id_is_054_and_a_registered_one_with_another_name_055(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    token = await card_token(client, holder)
    unregistered = await verify(client, clinic, token, "Lê Thị Y Tá", "001190000999")
    assert (unregistered["result"], unregistered["valid"], unregistered["card"]) == ("054", False, None)
    other_name = await verify(client, clinic, token, "Lê Thị Khác", "001190000123")
    assert (other_name["result"], other_name["card"]) == ("055", None)
    spaced = await verify(client, clinic, token, "  lê thị  y tá ", "001190000123")  # case and spaces do not count
    assert spaced["result"] == "000"

    lookup = await client.post(
        "/api/v1/clinic/lookup",
        json={
            "staff_name": "Lê Thị Y Tá",
            "staff_citizen_id": "001190000999",
            "citizen_id": holder.person.citizen_id,
            "full_name": "Trần Thị Bích",
            "date_of_birth": "1990-05-17",
        },
        headers=clinic.headers,
    )
    assert (lookup.status_code, lookup.json()["result"], lookup.json()["card"]) == (200, "054", None)
    # Logged for the facility, with no card and no holder: the holder hears nothing of it.
    logged = (await db_session.exec(select(CardCheck).where(CardCheck.result == "054"))).all()
    assert [(c.person_id, c.card_id) for c in logged] == [(None, None), (None, None)]
    receipts = (await client.get("/api/v1/me/card/checks", headers=holder.headers)).json()
    assert [item["result"] for item in receipts["items"]] == ["000"]


async def test_a_staff_member_added_or_removed_through_the_api_counts_from_the_next_check(
    client: Client, db_session: AsyncSession, settings: Settings, clinic: Clinic, holder: CardHolder
) -> None:
    headers = await admin_of(db_session, settings, clinic)
    token = await card_token(client, holder)
    assert (await verify(client, clinic, token, BINH["full_name"], BINH["citizen_id"]))["result"] == "054"
    member = (await client.post("/api/v1/clinic/staff", json=BINH, headers=headers)).json()
    token = await card_token(client, holder)  # a new scan (the same one within 10 s is a retry: the same answer)
    assert (await verify(client, clinic, token, BINH["full_name"], BINH["citizen_id"]))["result"] == "000"
    await client.delete(f"/api/v1/clinic/staff/{member['id']}", headers=headers)
    fresh = await card_token(client, holder)
    assert (await verify(client, clinic, fresh, BINH["full_name"], BINH["citizen_id"]))["result"] == "054"


async def test_the_admin_signs_in_with_password_and_code_manages_the_list_and_signs_out(
    client: Client, db_session: AsyncSession, clinic: Clinic
) -> None:
    admin = await make_facility_admin(db_session, facility=clinic.facility, username="admin.signin")
    tokens = await sign_in(client, admin.username, DEFAULT_PASSWORD, admin.email or "")
    headers = bearer(tokens)
    assert (await client.get("/api/v1/clinic/staff", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    # The session is over: neither its access token nor its refresh token works any longer.
    assert (await client.get("/api/v1/clinic/staff", headers=headers)).status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401

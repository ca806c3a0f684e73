"""Household members: who sees what, adding with identity checks, consent, leaving, removal, the audit trail."""

from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.households.models import HouseholdMember
from tests.factories import bearer_for, make_citizen, make_person
from tests.households.conftest import Family, FamilyBuilder

Client = AsyncTestClient[Litestar]


def problem(response) -> dict:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()


async def member_names(client: Client, family: Family) -> list[str]:
    body = (await client.get("/api/v1/households/mine", headers=family.head.headers)).json()
    return [m["name"] for m in body["members"]]


async def test_the_head_sees_every_member_with_cards_and_who_needs_household_hi(
    client: Client, family: Family, builder: FamilyBuilder
) -> None:
    await builder.add("Lê Thị Vợ", born=date(1985, 1, 1), relation="spouse", consent="given", group="DN")
    await builder.add("Lê Văn Con", born=date(2012, 5, 5), group="GD", valid_to=date(2026, 12, 31))
    await builder.add("Lê Thị Bà", born=date(1950, 2, 2), relation="parent", consent="given", group=None)
    response = await client.get("/api/v1/households/mine", headers=family.head.headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store, private"
    body = response.json()
    assert (body["code"], body["head"], body["you_are_head"]) == ("HGD79TEST0001", "Lê Văn Chủ Hộ", True)
    lines = {m["name"]: m for m in body["members"]}
    assert [m["enrolment_order"] for m in body["members"]] == [1, 2, 3, 4]
    assert (lines["Lê Văn Chủ Hộ"]["card_group"], lines["Lê Văn Chủ Hộ"]["needs_household_hi"]) == ("DN", False)
    assert lines["Lê Thị Vợ"]["covered_by_other_scheme"] is True
    assert (lines["Lê Văn Con"]["card_status"], lines["Lê Văn Con"]["card_valid_to"]) == ("active", "2026-12-31")
    assert lines["Lê Văn Con"]["needs_household_hi"] is True
    assert (lines["Lê Thị Bà"]["card_status"], lines["Lê Thị Bà"]["needs_household_hi"]) == (None, True)


async def test_an_adult_who_has_not_consented_shows_no_card(
    client: Client, family: Family, builder: FamilyBuilder
) -> None:
    await builder.add("Lê Văn Anh", born=date(1990, 1, 1), relation="sibling", consent="pending", group="DN")
    body = (await client.get("/api/v1/households/mine", headers=family.head.headers)).json()
    line = body["members"][1]
    assert (line["consent"], line["data_visible"]) == ("pending", False)
    assert (line["card_status"], line["card_group"], line["card_valid_to"], line["needs_household_hi"]) == (
        None,
        None,
        None,
        None,
    )
    member_id = line["id"]
    response = await client.get(f"/api/v1/households/mine/members/{member_id}/card", headers=family.head.headers)
    assert response.status_code == 403


async def test_the_head_reads_a_consenting_members_card(client: Client, family: Family, builder: FamilyBuilder) -> None:
    child = await builder.add("Lê Văn Con", born=date(2012, 5, 5))
    response = await client.get(f"/api/v1/households/mine/members/{child.member.id}/card", headers=family.head.headers)
    assert response.status_code == 200
    assert (response.json()["number"], response.json()["beneficiary_group"]) == (child.person.si_code, "GD")


async def test_a_member_sees_the_head_and_themself_only(client: Client, family: Family, builder: FamilyBuilder) -> None:
    spouse = await builder.add(
        "Lê Thị Vợ", born=date(1985, 1, 1), relation="spouse", consent="given", group="DN", with_account=True
    )
    await builder.add("Lê Văn Anh", born=date(1990, 1, 1), relation="sibling", consent="given", group="DN")
    body = (await client.get("/api/v1/households/mine", headers=spouse.headers)).json()
    assert body["you_are_head"] is False
    assert [m["name"] for m in body["members"]] == ["Lê Văn Chủ Hộ", "Lê Thị Vợ"]
    head_line = body["members"][0]
    assert (head_line["si_code"], head_line["birth_date"], head_line["card_group"]) == (None, None, None)
    assert body["members"][1]["card_group"] == "DN"
    for method, url in (
        ("get", "/api/v1/households/mine/quote?months=3"),
        ("get", "/api/v1/households/mine/events"),
        ("get", "/api/v1/households/mine/payments"),
        ("post", "/api/v1/households/mine/members"),
        ("delete", f"/api/v1/households/mine/members/{family.head.member.id}"),
    ):
        kwargs = (
            {"json": {"si_code": "0100000009", "date_of_birth": "2000", "relation": "child"}}
            if method == "post"
            else {}
        )
        response = await getattr(client, method)(url, headers=spouse.headers, **kwargs)
        assert response.status_code == 403, url
        assert problem(response)["type"].endswith("/not-household-head")


async def test_someone_outside_any_household_gets_404_and_can_create_one(
    client: Client, db_session: AsyncSession, settings: Settings
) -> None:
    account, _ = await make_citizen(db_session, full_name="Võ Văn Mới")
    headers = bearer_for(settings, account)
    response = await client.get("/api/v1/households/mine", headers=headers)
    assert response.status_code == 404
    assert problem(response)["type"].endswith("/not-in-household")
    created = await client.post("/api/v1/households", json={"address": "5 Hai Bà Trưng"}, headers=headers)
    assert created.status_code == 201
    assert created.json()["members"][0]["relation"] == "head"
    again = await client.post("/api/v1/households", json={"address": "5 Hai Bà Trưng"}, headers=headers)
    assert again.status_code == 409


async def test_adding_a_child_needs_no_consent_and_an_adult_must_accept(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family
) -> None:
    child = await make_person(db_session, full_name="Lê Bé Mới", date_of_birth=date(2026, 3, 1))
    response = await client.post(
        "/api/v1/households/mine/members",
        json={"si_code": child.si_code, "date_of_birth": "2026-03-01", "relation": "child"},
        headers=family.head.headers,
    )
    assert response.status_code == 201, response.text
    assert (response.json()["consent"], response.json()["data_visible"], response.json()["enrolment_order"]) == (
        "not_required",
        True,
        2,
    )

    account, parent = await make_citizen(db_session, full_name="Lê Văn Ông", date_of_birth=date(1950, 8, 8))
    response = await client.post(
        "/api/v1/households/mine/members",
        json={"citizen_id": parent.citizen_id, "date_of_birth": "1950-08-08", "relation": "parent"},
        headers=family.head.headers,
    )
    assert response.status_code == 201
    assert (response.json()["consent"], response.json()["data_visible"]) == ("pending", False)

    parent_headers = bearer_for(settings, account)
    # Invited, not yet in: the household is not theirs until they answer.
    assert (await client.get("/api/v1/households/mine", headers=parent_headers)).status_code == 404
    invitations = (await client.get("/api/v1/households/invitations", headers=parent_headers)).json()
    assert [(i["household_code"], i["head_name"], i["relation"]) for i in invitations] == [
        ("HGD79TEST0001", "Lê Văn Chủ Hộ", "parent")
    ]
    # Nobody else can answer it.
    foreign = await client.post(
        f"/api/v1/households/invitations/{invitations[0]['id']}/accept", headers=family.head.headers
    )
    assert foreign.status_code == 404
    accepted = await client.post(
        f"/api/v1/households/invitations/{invitations[0]['id']}/accept", headers=parent_headers
    )
    assert accepted.status_code == 204
    lines = (await client.get("/api/v1/households/mine", headers=family.head.headers)).json()["members"]
    assert (lines[2]["name"], lines[2]["consent"], lines[2]["data_visible"]) == ("Lê Văn Ông", "given", True)


async def test_a_declined_invitation_removes_the_member(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family
) -> None:
    account, person = await make_citizen(db_session, full_name="Lê Văn Từ Chối", date_of_birth=date(1970, 1, 1))
    await client.post(
        "/api/v1/households/mine/members",
        json={"si_code": person.si_code, "date_of_birth": "1970-01-01", "relation": "sibling"},
        headers=family.head.headers,
    )
    headers = bearer_for(settings, account)
    invitation = (await client.get("/api/v1/households/invitations", headers=headers)).json()[0]
    assert (
        await client.post(f"/api/v1/households/invitations/{invitation['id']}/decline", headers=headers)
    ).status_code == 204
    names = [
        m["name"] for m in (await client.get("/api/v1/households/mine", headers=family.head.headers)).json()["members"]
    ]
    assert "Lê Văn Từ Chối" not in names


@pytest.mark.parametrize(
    "body",
    [
        {"si_code": "0000000000", "date_of_birth": "1990-01-01", "relation": "child"},  # nobody
        {"si_code": None, "date_of_birth": "1990-01-01", "relation": "child"},  # placeholder: replaced below
    ],
    ids=["unknown-person", "wrong-birth-date"],
)
async def test_adding_needs_identity_and_birth_date_to_match_and_says_the_same_for_both(
    client: Client, db_session: AsyncSession, family: Family, body: dict
) -> None:
    person = await make_person(db_session, date_of_birth=date(1991, 1, 1))
    if body["si_code"] is None:
        body = {**body, "si_code": person.si_code}  # the right person, the wrong birth date
    response = await client.post("/api/v1/households/mine/members", json=body, headers=family.head.headers)
    assert response.status_code == 404
    assert problem(response)["detail"] == "No registered person matches this identifier and birth date."


async def test_a_person_can_belong_to_one_household_only(
    client: Client, db_session: AsyncSession, family: Family, builder: FamilyBuilder
) -> None:
    child = await builder.add("Lê Văn Con", born=date(2012, 5, 5))
    response = await client.post(
        "/api/v1/households/mine/members",
        json={"si_code": child.person.si_code, "date_of_birth": "2012-05-05", "relation": "child"},
        headers=family.head.headers,
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"date_of_birth": "1990-01-01", "relation": "child"},
        {"si_code": "0100000001", "citizen_id": "001084000001", "date_of_birth": "1990-01-01", "relation": "child"},
        {"si_code": "12", "date_of_birth": "1990-01-01", "relation": "child"},
        {"si_code": "0100000001", "date_of_birth": "01/01/1990", "relation": "child"},
        {"si_code": "0100000001", "date_of_birth": "1990-01-01", "relation": "head"},
        {"si_code": "0100000001", "date_of_birth": "1990-01-01", "relation": "boss"},
    ],
)
async def test_bad_member_requests_are_400_problems(client: Client, family: Family, body: dict) -> None:
    response = await client.post("/api/v1/households/mine/members", json=body, headers=family.head.headers)
    assert response.status_code == 400
    problem(response)


async def test_withdrawing_consent_hides_the_card_again_and_leaving_removes_the_member(
    client: Client, family: Family, builder: FamilyBuilder
) -> None:
    sister = await builder.add(
        "Lê Thị Em", born=date(1995, 1, 1), relation="sibling", consent="given", group="GD", with_account=True
    )
    assert (await client.post("/api/v1/households/mine/consent/withdraw", headers=sister.headers)).status_code == 204
    lines = (await client.get("/api/v1/households/mine", headers=family.head.headers)).json()["members"]
    assert (lines[1]["consent"], lines[1]["card_group"]) == ("withdrawn", None)
    quote = await client.get("/api/v1/households/mine/quote", params={"months": 3}, headers=family.head.headers)
    assert quote.status_code == 409  # nobody left to pay for: the head has an employer card
    # Consent can be given again through the invitation, then the member leaves.
    invitation = (await client.get("/api/v1/households/invitations", headers=sister.headers)).json()[0]
    assert invitation["consent"] == "withdrawn"
    await client.post(f"/api/v1/households/invitations/{invitation['id']}/accept", headers=sister.headers)
    assert (await client.post("/api/v1/households/mine/leave", headers=sister.headers)).status_code == 204
    assert (await client.get("/api/v1/households/mine", headers=sister.headers)).status_code == 404
    names = [
        m["name"] for m in (await client.get("/api/v1/households/mine", headers=family.head.headers)).json()["members"]
    ]
    assert names == ["Lê Văn Chủ Hộ"]


async def test_the_head_cannot_leave_nor_be_removed(client: Client, family: Family) -> None:
    assert (await client.post("/api/v1/households/mine/leave", headers=family.head.headers)).status_code == 409
    response = await client.delete(
        f"/api/v1/households/mine/members/{family.head.member.id}", headers=family.head.headers
    )
    assert response.status_code == 409


async def test_removing_a_member_of_another_household_is_404(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, builder: FamilyBuilder
) -> None:
    child = await builder.add("Lê Văn Con", born=date(2012, 5, 5))
    account, _ = await make_citizen(db_session, full_name="Chủ Hộ Khác")
    other_head = bearer_for(settings, account)
    await client.post("/api/v1/households", json={"address": "9 Nguyễn Huệ"}, headers=other_head)
    response = await client.delete(f"/api/v1/households/mine/members/{child.member.id}", headers=other_head)
    assert response.status_code == 404
    assert (await db_session.exec(select(HouseholdMember).where(HouseholdMember.id == child.member.id))).first()
    ok = await client.delete(f"/api/v1/households/mine/members/{child.member.id}", headers=family.head.headers)
    assert ok.status_code == 204


async def test_every_change_is_in_the_audit_trail_for_the_head(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family
) -> None:
    account, person = await make_citizen(db_session, full_name="Lê Văn Ông", date_of_birth=date(1950, 8, 8))
    added = await client.post(
        "/api/v1/households/mine/members",
        json={"si_code": person.si_code, "date_of_birth": "1950-08-08", "relation": "parent"},
        headers=family.head.headers,
    )
    headers = bearer_for(settings, account)
    invitation = (await client.get("/api/v1/households/invitations", headers=headers)).json()[0]
    await client.post(f"/api/v1/households/invitations/{invitation['id']}/accept", headers=headers)
    await client.post("/api/v1/households/mine/leave", headers=headers)
    page = (await client.get("/api/v1/households/mine/events", headers=family.head.headers)).json()
    assert [(e["kind"], e["actor"]) for e in page["items"]] == [
        ("member_left", "Lê Văn Ông"),
        ("consent_given", "Lê Văn Ông"),
        ("member_added", "Lê Văn Chủ Hộ"),
    ]
    assert page["items"][2]["detail"] == {"si_code": person.si_code, "relation": "parent", "consent": "pending"}
    assert added.status_code == 201


async def test_household_routes_need_a_citizen(client: Client, family: Family) -> None:
    assert (await client.get("/api/v1/households/mine")).status_code == 401
    response = await client.post("/api/v1/households/mine/payments", json={"months": 3})
    assert response.status_code == 401

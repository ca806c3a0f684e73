"""Applications: a citizen files and follows them; staff move them forward; the result takes effect."""

from datetime import date
from typing import Any

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.applications.models import ServiceApplication
from ansinh.applications.rules import next_quarter_start
from ansinh.applications.service import apply_due_changes
from ansinh.cards.models import CardStatus, HealthInsuranceCard
from ansinh.core.settings import Settings
from ansinh.core.time import today_vn
from ansinh.identity.models import Person
from ansinh.notifications.models import Notification, NotificationKind
from ansinh.records.rules import voluntary_contribution
from tests.applications.conftest import REISSUE, Client, file, move, move_to_approved
from tests.cards.conftest import STAFF, CardHolder, Clinic
from tests.factories import make_facility
from tests.support.problems import assert_problem


async def count_applications(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(ServiceApplication))).one()


# --- filing --------------------------------------------------------------------------------------------------------


async def test_a_filed_reissue_is_submitted_with_a_reference_and_a_one_step_timeline(
    client: Client, holder: CardHolder
) -> None:
    filed = await file(client, holder, {"kind": "card_reissue", "details": {"reason": "damaged", "note": "torn"}})
    assert filed["status"] == "submitted"
    assert filed["reference"].startswith(f"HS{today_vn():%y%m%d}")
    assert len(filed["reference"]) == 14
    assert filed["details"] == {"reason": "damaged", "note": "torn"}
    assert filed["can_withdraw"] is True
    assert [step["status"] for step in filed["timeline"]] == ["submitted"]

    listed = (await client.get("/api/v1/me/applications", headers=holder.headers)).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == filed["id"]
    detail = await client.get(f"/api/v1/me/applications/{filed['id']}", headers=holder.headers)
    assert detail.json() == filed


async def test_one_open_application_of_a_kind_at_a_time(client: Client, holder: CardHolder) -> None:
    await file(client, holder, REISSUE)
    again = await client.post("/api/v1/me/applications", json=REISSUE, headers=holder.headers)
    assert_problem(again, 409, "application-already-open")
    # Another kind is fine.
    await file(client, holder, {"kind": "info_correction", "details": {"changes": {"address": "12 Lý Thường Kiệt"}}})


async def test_a_retried_request_with_the_same_idempotency_key_files_once(
    client: Client, db_session: AsyncSession, holder: CardHolder
) -> None:
    first = await file(client, holder, REISSUE, **{"Idempotency-Key": "form-1"})
    retry = await client.post(
        "/api/v1/me/applications", json=REISSUE, headers={**holder.headers, "Idempotency-Key": "form-1"}
    )
    assert retry.status_code == 200
    assert retry.json()["id"] == first["id"]
    assert await count_applications(db_session) == 1
    other_kind = {"kind": "info_correction", "details": {"changes": {"address": "12 Lý Thường Kiệt"}}}
    reused = await client.post(
        "/api/v1/me/applications", json=other_kind, headers={**holder.headers, "Idempotency-Key": "form-1"}
    )
    assert_problem(reused, 409, "idempotency-key-reused")


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "pension_now", "details": {}},
        {"kind": "card_reissue", "details": {"reason": "stolen by aliens"}},
        {"kind": "card_reissue", "details": {"reason": "lost", "card_number": "0100000001"}},
        {"kind": "info_correction", "details": {"changes": {}}},
        {"kind": "info_correction", "details": {"changes": {"sex": "X"}}},
        {"kind": "info_correction", "details": {"changes": {"date_of_birth": "2999-01-01"}}},
        {"kind": "facility_change", "details": {"facility_code": "99999"}},
        {"kind": "voluntary_registration", "details": {"monthly_income": 100_000, "category": "other"}},
        {
            "kind": "voluntary_registration",
            "details": {"monthly_income": 2_000_000, "category": "x", "first_month": "2026-13"},
        },
    ],
)
async def test_invalid_applications_are_refused_with_a_problem_and_store_nothing(
    client: Client, db_session: AsyncSession, holder: CardHolder, body: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/me/applications", json=body, headers=holder.headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count_applications(db_session) == 0


async def test_a_correction_to_what_is_already_on_record_is_refused(client: Client, holder: CardHolder) -> None:
    same = {"kind": "info_correction", "details": {"changes": {"full_name": holder.person.full_name}}}
    response = await client.post("/api/v1/me/applications", json=same, headers=holder.headers)
    assert_problem(response, 400, "invalid-request")
    assert response.json()["fields"] == ["full_name"]


async def test_voluntary_registration_needs_an_income_in_the_legal_range_and_a_near_first_month(
    client: Client, holder: CardHolder
) -> None:
    this_month = f"{today_vn():%Y-%m}"
    too_low = {"monthly_income": 1_000, "category": "other", "first_month": this_month}
    response = await client.post(
        "/api/v1/me/applications",
        json={"kind": "voluntary_registration", "details": too_low},
        headers=holder.headers,
    )
    assert_problem(response, 400, "invalid-request")
    assert "poverty line" in response.json()["detail"]
    past = {"monthly_income": 3_000_000, "category": "other", "first_month": "2020-01"}
    response = await client.post(
        "/api/v1/me/applications", json={"kind": "voluntary_registration", "details": past}, headers=holder.headers
    )
    assert_problem(response, 400, "invalid-request")


# --- who may see what ----------------------------------------------------------------------------------------------


async def test_a_citizen_sees_only_their_own_applications(
    client: Client, holder: CardHolder, other_holder: CardHolder
) -> None:
    filed = await file(client, holder, REISSUE)
    theirs = await client.get(f"/api/v1/me/applications/{filed['id']}", headers=other_holder.headers)
    assert_problem(theirs, 404, "not-found")
    withdraw = await client.post(f"/api/v1/me/applications/{filed['id']}/withdraw", headers=other_holder.headers)
    assert_problem(withdraw, 404, "not-found")
    listed = (await client.get("/api/v1/me/applications", headers=other_holder.headers)).json()
    assert listed["total"] == 0


async def test_staff_routes_are_for_staff_and_citizen_routes_for_citizens(
    client: Client, holder: CardHolder, staff_headers: dict[str, str], clinic: Clinic
) -> None:
    filed = await file(client, holder, REISSUE)
    for headers in (holder.headers, clinic.headers):
        assert_problem(await client.get("/api/v1/staff/applications", headers=headers), 403, "forbidden")
        moved = await client.post(
            f"/api/v1/staff/applications/{filed['id']}/transitions", json={"to": "in_review"}, headers=headers
        )
        assert_problem(moved, 403, "forbidden")
    assert_problem(await client.get("/api/v1/me/applications", headers=staff_headers), 403, "forbidden")
    assert_problem(await client.get("/api/v1/me/applications"), 401, "unauthenticated")
    assert_problem(await client.get("/api/v1/staff/applications"), 401, "unauthenticated")


# --- the timeline --------------------------------------------------------------------------------------------------


async def test_staff_move_a_reissue_to_done_which_revokes_the_old_card_and_its_tokens(
    client: Client, db_session: AsyncSession, holder: CardHolder, clinic: Clinic, staff_headers: dict[str, str]
) -> None:
    old_token = (await client.post("/api/v1/me/card/token", json={"kind": "offline"}, headers=holder.headers)).json()
    filed = await file(client, holder, REISSUE)
    queue = (await client.get("/api/v1/staff/applications?status=submitted", headers=staff_headers)).json()
    assert [item["id"] for item in queue["items"]] == [filed["id"]]
    assert queue["items"][0]["applicant"]["si_code"] == holder.person.si_code

    await move_to_approved(client, staff_headers, filed["id"])
    done = await move(client, staff_headers, filed["id"], "done", note="printed at the counter")

    assert done["status"] == "done"
    new_serial = done["outcome"]["card_serial"]
    assert done["outcome"]["previous_serial"] == holder.card.serial
    assert new_serial != holder.card.serial
    mine_only = select(HealthInsuranceCard).where(HealthInsuranceCard.person_id == holder.person.id)
    # The API changed rows this session already holds: read them afresh.
    cards = (await db_session.exec(mine_only.execution_options(populate_existing=True))).all()
    assert {(c.serial, c.status) for c in cards} == {(holder.card.serial, CardStatus.REPLACED), (new_serial, "active")}
    verified = await client.post(
        "/api/v1/clinic/verify", json={"token": old_token["token"], **STAFF}, headers=clinic.headers
    )
    assert verified.json()["result"] == "004"  # the old card's dates still run; a new card was issued
    assert (await client.get("/api/v1/me/card", headers=holder.headers)).json()["serial"] == new_serial

    mine = (await client.get(f"/api/v1/me/applications/{filed['id']}", headers=holder.headers)).json()
    assert [step["status"] for step in mine["timeline"]] == ["submitted", "in_review", "approved", "done"]
    assert mine["can_withdraw"] is False
    assert all(step["note"] is None for step in mine["timeline"])  # staff notes stay in the audit trail


async def test_every_staff_step_is_audited_with_who_when_and_before_after(
    client: Client, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    filed = await file(client, holder, REISSUE)
    await move_to_approved(client, staff_headers, filed["id"])
    done = await move(client, staff_headers, filed["id"], "done", note="printed")
    audit = done["audit"]
    assert [(e["actor_role"], e["actor"], e["from_status"], e["to_status"]) for e in audit] == [
        ("citizen", None, None, "submitted"),
        ("staff", "staff.test", "submitted", "in_review"),
        ("staff", "staff.test", "in_review", "approved"),
        ("staff", "staff.test", "approved", "done"),
    ]
    last = audit[-1]
    assert last["note"] == "printed"
    assert last["before"] == {"status": "approved", "card_serial": holder.card.serial}
    assert last["after"] == {"status": "done", "card_serial": done["outcome"]["card_serial"]}
    assert all(e["at"] for e in audit)


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "approved"),  # no decision without a review
        ([], "done"),
        (["in_review"], "in_review"),
        (["in_review", "approved"], "rejected"),  # decided is decided
        (["in_review", "approved", "done"], "in_review"),
    ],
)
async def test_illegal_moves_are_refused_and_change_nothing(
    client: Client, holder: CardHolder, staff_headers: dict[str, str], path: list[str], illegal: str
) -> None:
    filed = await file(client, holder, REISSUE)
    for status in path:
        await move(client, staff_headers, filed["id"], status)
    before = (await client.get(f"/api/v1/me/applications/{filed['id']}", headers=holder.headers)).json()
    response = await client.post(
        f"/api/v1/staff/applications/{filed['id']}/transitions",
        json={"to": illegal, "reason": "x"},
        headers=staff_headers,
    )
    assert_problem(response, 409, "illegal-transition")
    after = (await client.get(f"/api/v1/me/applications/{filed['id']}", headers=holder.headers)).json()
    assert after == before


async def test_a_rejection_needs_a_reason_that_the_citizen_reads_and_frees_the_kind(
    client: Client, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    filed = await file(client, holder, REISSUE)
    no_reason = await client.post(
        f"/api/v1/staff/applications/{filed['id']}/transitions", json={"to": "rejected"}, headers=staff_headers
    )
    assert_problem(no_reason, 400, "invalid-request")
    await move(client, staff_headers, filed["id"], "rejected", reason="The police report is missing.")
    mine = (await client.get(f"/api/v1/me/applications/{filed['id']}", headers=holder.headers)).json()
    assert mine["status"] == "rejected"
    assert mine["reason"] == "The police report is missing."
    assert mine["timeline"][-1] == {
        **mine["timeline"][-1],
        "status": "rejected",
        "note": "The police report is missing.",
    }
    await file(client, holder, REISSUE)  # a new one may be filed


async def test_a_citizen_withdraws_before_a_decision_but_not_after(
    client: Client, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    first = await file(client, holder, REISSUE)
    withdrawn = await client.post(f"/api/v1/me/applications/{first['id']}/withdraw", headers=holder.headers)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    staff_move = await client.post(
        f"/api/v1/staff/applications/{first['id']}/transitions", json={"to": "in_review"}, headers=staff_headers
    )
    assert_problem(staff_move, 409, "illegal-transition")

    second = await file(client, holder, REISSUE)
    await move_to_approved(client, staff_headers, second["id"])
    late = await client.post(f"/api/v1/me/applications/{second['id']}/withdraw", headers=holder.headers)
    assert_problem(late, 409, "illegal-transition")


async def test_a_move_made_meanwhile_by_someone_else_wins_and_the_stale_one_is_refused(
    client: Client, engine: Any, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    from sqlmodel.ext.asyncio.session import AsyncSession as Session

    from ansinh.applications.service import IllegalTransition, _move

    filed = await file(client, holder, REISSUE)
    async with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        mine = await first.get(ServiceApplication, filed["id"])
        theirs = await second.get(ServiceApplication, filed["id"])
        await _move(first, mine, to="in_review", actor_role="staff", actor=None, action="in_review")  # type: ignore[arg-type]
        await first.commit()
        with pytest.raises(IllegalTransition):
            await _move(second, theirs, to="rejected", actor_role="staff", actor=None, action="rejected")  # type: ignore[arg-type]
    final = (await client.get(f"/api/v1/me/applications/{filed['id']}", headers=holder.headers)).json()
    assert [step["status"] for step in final["timeline"]] == ["submitted", "in_review"]


# --- effects -------------------------------------------------------------------------------------------------------


async def test_a_facility_change_shows_on_the_card_from_the_next_quarter(
    client: Client, db_session: AsyncSession, settings: Settings, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    new_home = await make_facility(
        db_session, code="79025", name="Trạm Y tế Phường Bến Nghé", level="commune", province_code="79"
    )
    filed = await file(client, holder, {"kind": "facility_change", "details": {"facility_code": "79025"}})
    effective = next_quarter_start(today_vn())
    assert filed["effective_from"] == effective.isoformat()
    assert filed["details"]["facility_name"] == new_home.name
    await move_to_approved(client, staff_headers, filed["id"])
    early = await client.post(
        f"/api/v1/staff/applications/{filed['id']}/transitions", json={"to": "done"}, headers=staff_headers
    )
    assert_problem(early, 409, "not-yet-effective")

    day_before = date.fromordinal(effective.toordinal() - 1)
    assert await apply_due_changes(db_session, day_before, settings) == 0
    card = (await client.get("/api/v1/me/card", headers=holder.headers)).json()
    assert card["primary_facility_code"] == holder.facility.code

    assert await apply_due_changes(db_session, effective, settings) == 1
    assert await apply_due_changes(db_session, effective, settings) == 0  # the job is idempotent
    card = (await client.get("/api/v1/me/card", headers=holder.headers)).json()
    assert (card["primary_facility_code"], card["serial"]) == ("79025", holder.card.serial)
    done = (await client.get(f"/api/v1/staff/applications/{filed['id']}", headers=staff_headers)).json()
    assert done["status"] == "done"
    assert done["audit"][-1]["actor_role"] == "system"
    assert done["audit"][-1]["before"]["facility_code"] == holder.facility.code
    assert done["outcome"]["facility_code"] == "79025"


async def test_choosing_the_current_facility_again_is_refused(client: Client, holder: CardHolder) -> None:
    body = {"kind": "facility_change", "details": {"facility_code": holder.facility.code}}
    assert_problem(
        await client.post("/api/v1/me/applications", json=body, headers=holder.headers), 400, "invalid-request"
    )


async def test_a_done_correction_changes_the_registry_and_the_audit_keeps_the_old_values(
    client: Client, db_session: AsyncSession, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    changes = {"full_name": "Nguyễn Thị Hoà Bình", "date_of_birth": "1990-02-03"}
    filed = await file(client, holder, {"kind": "info_correction", "details": {"changes": changes}})
    await move_to_approved(client, staff_headers, filed["id"])
    done = await move(client, staff_headers, filed["id"], "done")
    assert done["audit"][-1]["before"] == {
        "status": "approved",
        "full_name": holder.person.full_name,
        "date_of_birth": holder.person.date_of_birth.isoformat(),
    }
    assert done["outcome"] == {"corrected": ["date_of_birth", "full_name"]}
    await db_session.refresh(holder.person)
    person = await db_session.get(Person, holder.person.id)
    assert (person.full_name, person.date_of_birth) == ("Nguyễn Thị Hoà Bình", date(1990, 2, 3))  # type: ignore[union-attr]
    card = (await client.get("/api/v1/me/card", headers=holder.headers)).json()
    assert card["name"] == "Nguyễn Thị Hoà Bình"


async def test_voluntary_registration_carries_its_quote_to_the_outcome(
    client: Client, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    first_month = today_vn().replace(day=1)
    details = {"monthly_income": 3_000_000, "category": "near_poor", "first_month": f"{first_month:%Y-%m}"}
    filed = await file(client, holder, {"kind": "voluntary_registration", "details": details})
    expected = voluntary_contribution(3_000_000, first_month, "near_poor")
    assert filed["details"]["quote"]["you_pay"] == expected.net
    assert filed["details"]["quote"]["state_support"] == expected.support
    await move_to_approved(client, staff_headers, filed["id"])
    done = await move(client, staff_headers, filed["id"], "done")
    assert done["outcome"] == {"first_month": details["first_month"], "monthly_payment": expected.net}


# --- notices -------------------------------------------------------------------------------------------------------


async def test_each_status_reached_notifies_the_citizen_once(
    client: Client, db_session: AsyncSession, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    filed = await file(client, holder, REISSUE)
    await move(client, staff_headers, filed["id"], "in_review")
    await move(client, staff_headers, filed["id"], "rejected", reason="Duplicate request")
    rows = (
        await db_session.exec(
            select(Notification)
            .where(Notification.person_id == holder.person.id, Notification.kind == NotificationKind.APPLICATION_STATUS)
            .order_by(col(Notification.id))
        )
    ).all()
    assert [n.params["status"] for n in rows] == ["submitted", "in_review", "rejected"]
    assert rows[-1].params["reason"] == "Duplicate request"
    assert {n.link for n in rows} == {f"#/applications/{filed['id']}"}


# --- the voluntary SI quote ----------------------------------------------------------------------------------------


async def test_the_public_voluntary_quote_matches_the_rules_in_force(client: Client) -> None:
    response = await client.get("/api/v1/reference/voluntary-contribution?monthly_income=5000000&category=poor")
    assert response.status_code == 200
    quote = response.json()
    expected = voluntary_contribution(5_000_000, today_vn(), "poor")
    assert (quote["contribution"], quote["state_support"], quote["you_pay"]) == (
        expected.monthly,
        expected.support,
        expected.net,
    )
    assert quote["rate_percent"] == "22"
    assert quote["you_pay"] == quote["contribution"] - quote["state_support"]


async def test_a_quote_outside_the_legal_income_range_is_a_problem(client: Client) -> None:
    low = await client.get("/api/v1/reference/voluntary-contribution?monthly_income=10&category=other")
    assert_problem(low, 400, "invalid-request")
    bad = await client.get("/api/v1/reference/voluntary-contribution?monthly_income=5000000&category=rich")
    assert_problem(bad, 400, "invalid-request")

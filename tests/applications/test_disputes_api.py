"""Disputes of visits: "this wasn't me" / "this is wrong" on a visit recorded with the card, decided by staff, answered
by the facility, never cleared by a resubmission; and every way to get it wrong."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.applications.models import ServiceApplication
from ansinh.core.settings import Settings
from ansinh.facilities.models import MedicalFacility
from ansinh.households.models import ConsentState, Relation
from ansinh.notifications.messages import render
from ansinh.notifications.models import Notification
from ansinh.records.models import MedicalVisit
from tests.factories import (
    bearer_for,
    clinic_bearer_for,
    make_citizen,
    make_clinic_client,
    make_facility_admin,
    make_staff,
)
from tests.gateway.conftest import GatewayFacility, gateway_facility, signed_in
from tests.households.conftest import Family, FamilyBuilder, builder, family
from tests.records.conftest import make_visit
from tests.support import his
from tests.support.problems import assert_problem

__all__ = ["builder", "family", "gateway_facility"]

Client = AsyncTestClient[Litestar]
APPLICATIONS = "/api/v1/me/applications"
VISITS = "/api/v1/me/medical-visits"
FACILITY_DISPUTES = "/api/v1/clinic/visit-disputes"
CLAIM_URL = "/api/qd130/guiHoSoXmlQD4750"
NOT_ME = "Hôm đó tôi đang công tác ở Đà Nẵng, không đến bệnh viện này."


@dataclass
class Hospital:
    facility: MedicalFacility
    admin: dict[str, str]  # the facility admin's bearer header
    machine: dict[str, str]  # the clinic's client-credentials token


@pytest.fixture
async def hospital(db_session: AsyncSession, settings: Settings, gateway_facility: GatewayFacility) -> Hospital:
    """Facility 01001 (Bạch Mai): its gateway account for claims, its admin, its scanner's machine credential."""
    admin = await make_facility_admin(db_session, facility=gateway_facility.facility, username="admin.01001")
    return Hospital(
        gateway_facility.facility,
        bearer_for(settings, admin),
        clinic_bearer_for(settings, gateway_facility.client, gateway_facility.facility),
    )


@pytest.fixture
async def staff(db_session: AsyncSession, settings: Settings) -> dict[str, str]:
    return bearer_for(settings, await make_staff(db_session, username="staff.disputes"))


@pytest.fixture
async def visit(db_session: AsyncSession, family: Family, hospital: Hospital) -> MedicalVisit:
    """A claimed visit of the head's, at Bạch Mai, with a co-payment."""
    return await make_visit(
        db_session,
        family.head.person.id,  # type: ignore[arg-type]
        hospital.facility.id,  # type: ignore[arg-type]
        visit_key="LK-2026-0042",
        admission_date=date(2026, 10, 5),
        discharge_date=date(2026, 10, 5),
        icd10_name="Viêm dạ dày",
    )


def dispute_body(visit_id: int, ground: str = "not_me", reason: str = NOT_ME) -> dict[str, Any]:
    return {"kind": "visit_dispute", "details": {"visit_id": visit_id, "ground": ground, "reason": reason}}


async def dispute(client: Client, headers: dict[str, str], visit_id: int, **extra: Any) -> dict[str, Any]:
    """File a dispute; expects 201."""
    key = extra.pop("key", None)
    sent = {**headers, **({"Idempotency-Key": key} if key else {})}
    response = await client.post(APPLICATIONS, json=dispute_body(visit_id, **extra), headers=sent)
    assert response.status_code == 201, response.text
    return response.json()


async def decide(client: Client, staff: dict[str, str], application_id: int, decision: str, reason: str) -> Any:
    return await client.post(
        f"/api/v1/staff/applications/{application_id}/decision",
        json={"decision": decision, "reason": reason},
        headers=staff,
    )


async def visit_row(client: Client, headers: dict[str, str], visit_id: int, url: str = VISITS) -> dict[str, Any]:
    page = (await client.get(url, headers=headers)).json()
    return next(item for item in page["items"] if item["id"] == visit_id)


async def disputes_count(db: AsyncSession) -> int:
    return (
        await db.exec(
            select(func.count()).select_from(ServiceApplication).where(ServiceApplication.kind == "visit_dispute")
        )
    ).one()


async def notices(db: AsyncSession, person_id: int, kind: str) -> list[Notification]:
    rows = await db.exec(
        select(Notification)
        .where(Notification.person_id == person_id, Notification.kind == kind)
        .order_by(col(Notification.id))
    )
    return list(rows.all())


# --- filing --------------------------------------------------------------------------------------------------------


async def test_this_wasnt_me_opens_a_dispute_with_the_visit_attached_and_the_visit_shows_under_dispute(
    client: Client, db_session: AsyncSession, family: Family, visit: MedicalVisit, staff: dict[str, str]
) -> None:
    head = family.head
    before = await visit_row(client, head.headers, visit.id)  # type: ignore[arg-type]
    assert (before["under_dispute"], before["dispute_status"]) == (False, None)

    filed = await dispute(client, head.headers, visit.id)  # type: ignore[arg-type]
    assert (filed["kind"], filed["status"], filed["can_withdraw"]) == ("visit_dispute", "submitted", True)
    details = filed["details"]
    assert {k: details[k] for k in ("visit_id", "ground", "reason", "filed_for", "patient_name")} == {
        "visit_id": visit.id,
        "ground": "not_me",
        "reason": NOT_ME,
        "filed_for": "self",
        "patient_name": "Lê Văn Chủ Hộ",
    }
    attached = details["visit"]
    assert attached["facility"] == {"code": "01001", "name": "Bệnh viện Bạch Mai"}
    assert (attached["admission_date"], attached["icd10_name"], attached["co_payment"]) == (
        "2026-10-05",
        "Viêm dạ dày",
        70_000,
    )
    assert (attached["visit_key"], attached["lines"]) == ("LK-2026-0042", [])
    assert [step["status"] for step in filed["timeline"]] == ["submitted"]

    shown = await visit_row(client, head.headers, visit.id)  # type: ignore[arg-type]
    assert (shown["under_dispute"], shown["dispute_status"]) == (True, "open")
    in_queue = (await client.get(f"/api/v1/staff/applications/{filed['id']}", headers=staff)).json()
    assert in_queue["applicant"]["full_name"] == "Lê Văn Chủ Hộ"
    assert (in_queue["visit"]["id"], in_queue["visit"]["under_dispute"]) == (visit.id, True)
    queue = (await client.get("/api/v1/staff/applications?kind=visit_dispute", headers=staff)).json()
    assert [item["id"] for item in queue["items"]] == [filed["id"]]
    [notice] = await notices(db_session, head.person.id, "application_status")  # type: ignore[arg-type]
    assert render(notice.kind, notice.params, "en")[1].startswith("Your visit dispute application")


async def test_staff_uphold_the_dispute_with_a_reason_and_the_citizen_sees_each_step(
    client: Client, db_session: AsyncSession, family: Family, visit: MedicalVisit, staff: dict[str, str]
) -> None:
    head = family.head
    filed = await dispute(client, head.headers, visit.id)  # type: ignore[arg-type]
    moved = await client.post(
        f"/api/v1/staff/applications/{filed['id']}/transitions", json={"to": "in_review"}, headers=staff
    )
    assert moved.status_code == 200, moved.text
    decided = await decide(client, staff, filed["id"], "upheld", "Cơ sở xác nhận nhầm thẻ của người bệnh khác.")
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["outcome"]["decision"]) == ("done", "upheld")
    assert decided.json()["visit"]["dispute_status"] == "upheld"

    seen = (await client.get(f"{APPLICATIONS}/{filed['id']}", headers=head.headers)).json()
    assert [(step["status"], step["note"]) for step in seen["timeline"]] == [
        ("submitted", None),
        ("in_review", None),
        ("done", "Cơ sở xác nhận nhầm thẻ của người bệnh khác."),
    ]
    assert seen["can_withdraw"] is False
    shown = await visit_row(client, head.headers, visit.id)  # type: ignore[arg-type]
    assert (shown["under_dispute"], shown["dispute_status"]) == (False, "upheld")
    told = await notices(db_session, head.person.id, "application_status")  # type: ignore[arg-type]
    assert [n.params["status"] for n in told] == ["submitted", "in_review", "done"]
    assert render(told[-1].kind, told[-1].params, "vi")[1] == (
        f"Hồ sơ phản ánh lượt khám {filed['reference']} đã được chấp nhận. "
        "Lý do: Cơ sở xác nhận nhầm thẻ của người bệnh khác."
    )


async def test_a_rejected_dispute_says_why_and_the_visit_may_be_disputed_again(
    client: Client, db_session: AsyncSession, family: Family, visit: MedicalVisit, staff: dict[str, str]
) -> None:
    head = family.head
    filed = await dispute(client, head.headers, visit.id, ground="wrong", reason="Tôi không được chụp X-quang.")  # type: ignore[arg-type]
    decided = await decide(client, staff, filed["id"], "rejected", "Phim X-quang có trong bệnh án.")
    assert (decided.status_code, decided.json()["status"]) == (200, "rejected")
    seen = (await client.get(f"{APPLICATIONS}/{filed['id']}", headers=head.headers)).json()
    assert seen["reason"] == "Phim X-quang có trong bệnh án."
    assert seen["timeline"][-1] == {
        **seen["timeline"][-1],
        "status": "rejected",
        "note": "Phim X-quang có trong bệnh án.",
    }
    assert (await visit_row(client, head.headers, visit.id))["dispute_status"] == "rejected"  # type: ignore[arg-type]
    told = await notices(db_session, head.person.id, "application_status")  # type: ignore[arg-type]
    assert (
        "has not been upheld. Reason: Phim X-quang có trong bệnh án." in render(told[-1].kind, told[-1].params, "en")[1]
    )
    # Decided, the visit may be disputed again.
    again = await dispute(client, head.headers, visit.id)  # type: ignore[arg-type]
    assert (await visit_row(client, head.headers, visit.id))["dispute_status"] == "open"  # type: ignore[arg-type]
    assert again["id"] != filed["id"]


async def test_a_decision_needs_its_reason_and_a_dispute_has_no_approved_stage(
    client: Client, db_session: AsyncSession, family: Family, visit: MedicalVisit, staff: dict[str, str]
) -> None:
    filed = await dispute(client, family.head.headers, visit.id)  # type: ignore[arg-type]
    transitions = f"/api/v1/staff/applications/{filed['id']}/transitions"
    assert_problem(await client.post(transitions, json={"to": "done"}, headers=staff), 400, "invalid-request")
    assert_problem(await client.post(transitions, json={"to": "approved"}, headers=staff), 409, "illegal-transition")
    missing = await client.post(
        f"/api/v1/staff/applications/{filed['id']}/decision", json={"decision": "upheld"}, headers=staff
    )
    assert missing.status_code == 400
    assert_problem(await decide(client, staff, filed["id"], "maybe", "x"), 400, "invalid-request")
    still = (await client.get(f"{APPLICATIONS}/{filed['id']}", headers=family.head.headers)).json()
    assert still["status"] == "submitted"


async def test_only_a_dispute_is_decided_upheld_or_rejected(
    client: Client, family: Family, staff: dict[str, str]
) -> None:
    reissue = await client.post(
        APPLICATIONS, json={"kind": "card_reissue", "details": {"reason": "lost"}}, headers=family.head.headers
    )
    assert reissue.status_code == 201
    assert_problem(await decide(client, staff, reissue.json()["id"], "upheld", "x"), 409, "illegal-transition")
    assert_problem(await decide(client, staff, 999_999, "upheld", "x"), 404, "not-found")


async def test_one_open_dispute_per_visit_and_several_visits_at_once(
    client: Client, db_session: AsyncSession, family: Family, visit: MedicalVisit, hospital: Hospital
) -> None:
    head = family.head
    await dispute(client, head.headers, visit.id)  # type: ignore[arg-type]
    second = await client.post(APPLICATIONS, json=dispute_body(visit.id, "wrong", "Sai số tiền."), headers=head.headers)  # type: ignore[arg-type]
    assert_problem(second, 409, "dispute-already-open")
    assert await disputes_count(db_session) == 1
    other = await make_visit(db_session, head.person.id, hospital.facility.id, visit_key="LK-2026-0043")  # type: ignore[arg-type]
    await dispute(client, head.headers, other.id)  # type: ignore[arg-type]
    assert await disputes_count(db_session) == 2


async def test_a_retried_dispute_with_the_same_idempotency_key_is_filed_once(
    client: Client, db_session: AsyncSession, family: Family, visit: MedicalVisit
) -> None:
    head = family.head
    first = await dispute(client, head.headers, visit.id, key="dispute-form-1")  # type: ignore[arg-type]
    retry = await client.post(
        APPLICATIONS,
        json=dispute_body(visit.id),
        headers={**head.headers, "Idempotency-Key": "dispute-form-1"},  # type: ignore[arg-type]
    )
    assert (retry.status_code, retry.json()["id"]) == (200, first["id"])
    assert await disputes_count(db_session) == 1


@pytest.mark.parametrize(
    "details",
    [
        {"ground": "not_me", "reason": ""},
        {"ground": "not_me", "reason": "    "},
        {"ground": "not_me", "reason": "x" * 2001},
        {"ground": "not_me", "reason": "Không phải tôi. " * 625},  # 10,000 characters
        {"ground": "stolen", "reason": NOT_ME},
        {"ground": "not_me"},
        {"ground": "not_me", "reason": NOT_ME, "phone": "0912345678"},
    ],
    ids=["empty", "blank", "2001-chars", "10000-chars", "bad-ground", "no-reason", "unknown-field"],
)
async def test_a_bad_reason_or_ground_is_a_400_and_nothing_is_filed(
    client: Client, db_session: AsyncSession, family: Family, visit: MedicalVisit, details: dict[str, Any]
) -> None:
    body = {"kind": "visit_dispute", "details": {"visit_id": visit.id, **details}}
    assert_problem(await client.post(APPLICATIONS, json=body, headers=family.head.headers), 400, "invalid-request")
    assert await disputes_count(db_session) == 0
    assert (await visit_row(client, family.head.headers, visit.id))["under_dispute"] is False  # type: ignore[arg-type]


@pytest.mark.parametrize("visit_id", [0, -1, 2**63, "abc"])
async def test_a_malformed_visit_id_is_a_400(client: Client, family: Family, visit_id: Any) -> None:
    body = {"kind": "visit_dispute", "details": {"visit_id": visit_id, "ground": "not_me", "reason": NOT_ME}}
    assert_problem(await client.post(APPLICATIONS, json=body, headers=family.head.headers), 400, "invalid-request")


async def test_a_reason_of_2000_characters_is_taken_whole(client: Client, family: Family, visit: MedicalVisit) -> None:
    filed = await dispute(client, family.head.headers, visit.id, reason="đ" * 2000)  # type: ignore[arg-type]
    assert filed["details"]["reason"] == "đ" * 2000


async def test_someone_elses_visit_or_no_visit_is_404_and_nothing_is_filed(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, hospital: Hospital
) -> None:
    stranger_account, stranger = await make_citizen(db_session, full_name="Phạm Văn Người Lạ", sex="M")
    theirs = await make_visit(db_session, stranger.id, hospital.facility.id)  # type: ignore[arg-type]
    for visit_id in (theirs.id, 987_654_321):
        response = await client.post(APPLICATIONS, json=dispute_body(visit_id), headers=family.head.headers)  # type: ignore[arg-type]
        assert_problem(response, 404, "visit-not-found")
    assert await disputes_count(db_session) == 0
    assert (await visit_row(client, bearer_for(settings, stranger_account), theirs.id))["under_dispute"] is False  # type: ignore[arg-type]


# --- the head of household ----------------------------------------------------------------------------------------


async def test_the_head_disputes_a_consenting_members_visit_and_the_member_sees_it_under_dispute(
    client: Client, db_session: AsyncSession, family: Family, builder: FamilyBuilder, hospital: Hospital
) -> None:
    spouse = await builder.add(
        "Nguyễn Thị Vợ", born=date(1982, 8, 8), relation=Relation.SPOUSE, consent=ConsentState.GIVEN, with_account=True
    )
    theirs = await make_visit(db_session, spouse.person.id, hospital.facility.id, visit_key="LK-SPOUSE-1")  # type: ignore[arg-type]
    member_visits = f"/api/v1/households/mine/members/{spouse.member.id}/medical-visits"
    listed = await visit_row(client, family.head.headers, theirs.id, url=member_visits)  # type: ignore[arg-type]
    assert listed["under_dispute"] is False

    filed = await dispute(client, family.head.headers, theirs.id)  # type: ignore[arg-type]
    assert (filed["details"]["filed_for"], filed["details"]["patient_name"]) == ("household_member", "Nguyễn Thị Vợ")
    assert (await visit_row(client, spouse.headers, theirs.id))["under_dispute"] is True  # type: ignore[arg-type]
    assert (await visit_row(client, family.head.headers, theirs.id, url=member_visits))["under_dispute"] is True  # type: ignore[arg-type]
    # One open dispute per visit, whoever files it: the member cannot open a second one.
    again = await client.post(APPLICATIONS, json=dispute_body(theirs.id), headers=spouse.headers)  # type: ignore[arg-type]
    assert_problem(again, 409, "dispute-already-open")


@pytest.mark.parametrize("consent", [ConsentState.PENDING, ConsentState.WITHDRAWN])
async def test_a_members_visit_without_consent_is_403_and_nothing_is_filed(
    client: Client,
    db_session: AsyncSession,
    family: Family,
    builder: FamilyBuilder,
    hospital: Hospital,
    consent: ConsentState,
) -> None:
    adult = await builder.add("Trần Văn Em", born=date(1990, 1, 1), relation=Relation.SIBLING, consent=consent)
    theirs = await make_visit(db_session, adult.person.id, hospital.facility.id)  # type: ignore[arg-type]
    response = await client.post(APPLICATIONS, json=dispute_body(theirs.id), headers=family.head.headers)  # type: ignore[arg-type]
    assert_problem(response, 403, "member-consent-required")
    listed = await client.get(
        f"/api/v1/households/mine/members/{adult.member.id}/medical-visits", headers=family.head.headers
    )
    assert listed.status_code == 403
    assert await disputes_count(db_session) == 0


async def test_a_member_cannot_dispute_the_heads_visit(
    client: Client, db_session: AsyncSession, family: Family, builder: FamilyBuilder, visit: MedicalVisit
) -> None:
    child = await builder.add(
        "Lê Thị Con", born=date(2000, 2, 2), relation=Relation.CHILD, consent=ConsentState.GIVEN, with_account=True
    )
    response = await client.post(APPLICATIONS, json=dispute_body(visit.id), headers=child.headers)  # type: ignore[arg-type]
    assert_problem(response, 404, "visit-not-found")
    assert await disputes_count(db_session) == 0


async def test_withdrawing_the_dispute_lifts_the_flag(client: Client, family: Family, visit: MedicalVisit) -> None:
    filed = await dispute(client, family.head.headers, visit.id)  # type: ignore[arg-type]
    withdrawn = await client.post(f"{APPLICATIONS}/{filed['id']}/withdraw", headers=family.head.headers)
    assert withdrawn.json()["status"] == "withdrawn"
    shown = await visit_row(client, family.head.headers, visit.id)  # type: ignore[arg-type]
    assert (shown["under_dispute"], shown["dispute_status"]) == (False, None)


# --- the facility ---------------------------------------------------------------------------------------------------


async def test_a_resubmission_by_the_facility_never_clears_the_dispute_and_joins_its_timeline(
    client: Client, db_session: AsyncSession, family: Family, hospital: Hospital
) -> None:
    head = family.head.person
    tables = his.claim_tables(
        visit_key="LK-RESUB-1",
        name=head.full_name,
        birth="198003030000",
        card=head.si_code,
        citizen_id=head.citizen_id,
        facility="01001",
    )
    session = await signed_in(client)
    gateway = session.headers()
    form = his.form_body(
        username="01001_BV", kind="130", facility="01001", file=his.envelope("01001", [his.hoso(tables)])
    )
    sent = await client.post(
        CLAIM_URL, content=form, headers={**gateway, "content-type": "application/x-www-form-urlencoded"}
    )
    assert sent.status_code == 200, sent.text
    visit_id = (await db_session.exec(select(MedicalVisit.id).where(MedicalVisit.visit_key == "LK-RESUB-1"))).one()
    filed = await dispute(client, family.head.headers, visit_id, ground="wrong", reason="Tôi ra viện lúc 10 giờ.")
    assert filed["details"]["visit"]["submission_id"] is not None

    corrected = his.claim_tables(
        visit_key="LK-RESUB-1",
        name=head.full_name,
        birth="198003030000",
        card=head.si_code,
        citizen_id=head.citizen_id,
        facility="01001",
        discharged="202612071115",
    )
    # Sent again in one envelope with another visit, never disputed: only the disputed one joins the dispute.
    other = his.claim_tables(
        visit_key="LK-RESUB-2",
        name=head.full_name,
        birth="198003030000",
        card=head.si_code,
        citizen_id=head.citizen_id,
        facility="01001",
    )
    envelope = his.envelope("01001", [his.hoso(corrected), his.hoso(other)])
    form = his.form_body(username="01001_BV", kind="130", facility="01001", file=envelope)
    again = await client.post(
        CLAIM_URL, content=form, headers={**gateway, "content-type": "application/x-www-form-urlencoded"}
    )
    assert again.status_code == 200, again.text

    shown = await visit_row(client, family.head.headers, visit_id)
    assert shown["discharged_at"] == "2026-12-07T11:15:00+07:00"  # replaced by the new version…
    assert (shown["under_dispute"], shown["dispute_status"]) == (True, "open")  # …still under dispute
    seen = (await client.get(f"{APPLICATIONS}/{filed['id']}", headers=family.head.headers)).json()
    assert seen["status"] == "submitted"
    assert [(step["status"], step["event"]) for step in seen["timeline"]] == [
        ("submitted", None),
        ("submitted", "visit_resubmitted"),
    ]
    assert seen["details"]["visit"]["discharged_at"] == "2026-12-07T10:30:00+07:00"  # the version disputed
    [update] = await notices(db_session, head.id, "dispute_update")  # type: ignore[arg-type]
    assert update.params == {
        "reference": filed["reference"],
        "event": "visit_resubmitted",
        "facility": "Bệnh viện Bạch Mai",
    }
    assert update.link == f"#/applications/{filed['id']}"


async def test_the_facility_admin_sees_its_disputes_without_contact_data_and_answers(
    client: Client,
    db_session: AsyncSession,
    family: Family,
    visit: MedicalVisit,
    hospital: Hospital,
    staff: dict[str, str],
) -> None:
    filed = await dispute(client, family.head.headers, visit.id)  # type: ignore[arg-type]
    listed = await client.get(FACILITY_DISPUTES, headers=hospital.admin)
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 1
    [item] = listed.json()["items"]
    assert {k: item[k] for k in ("id", "reference", "status", "decision", "ground", "reason", "patient_name")} == {
        "id": filed["id"],
        "reference": filed["reference"],
        "status": "submitted",
        "decision": None,
        "ground": "not_me",
        "reason": NOT_ME,
        "patient_name": "Lê Văn Chủ Hộ",
    }
    assert item["visit_key"] == "LK-2026-0042"
    head = family.head.person
    for private in (head.phone, head.email, head.address, head.citizen_id, head.si_code):
        assert private not in listed.text

    answer = "Hồ sơ có chữ ký của người bệnh; đề nghị đối chiếu camera quầy tiếp đón."
    responded = await client.post(
        f"{FACILITY_DISPUTES}/{filed['id']}/responses", json={"text": answer}, headers=hospital.admin
    )
    assert responded.status_code == 201, responded.text
    assert responded.json()["timeline"][-1] == {
        **responded.json()["timeline"][-1],
        "event": "facility_response",
        "note": answer,
    }
    seen = (await client.get(f"{APPLICATIONS}/{filed['id']}", headers=family.head.headers)).json()
    assert [(step["event"], step["note"]) for step in seen["timeline"]][-1] == ("facility_response", answer)
    [update] = await notices(db_session, head.id, "dispute_update")  # type: ignore[arg-type]
    assert update.params["event"] == "facility_response"
    audit = (await client.get(f"/api/v1/staff/applications/{filed['id']}", headers=staff)).json()["audit"]
    assert (audit[-1]["actor_role"], audit[-1]["actor"], audit[-1]["action"]) == (
        "facility",
        "admin.01001",
        "responded",
    )

    one = await client.get(f"{FACILITY_DISPUTES}/{filed['id']}", headers=hospital.admin)
    assert (one.status_code, one.json()["id"]) == (200, filed["id"])
    assert (await client.get(FACILITY_DISPUTES, params={"open": "true"}, headers=hospital.admin)).json()["total"] == 1
    await decide(client, staff, filed["id"], "rejected", "Không có căn cứ.")
    assert (await client.get(FACILITY_DISPUTES, params={"open": "true"}, headers=hospital.admin)).json()["total"] == 0
    decided = (await client.get(f"{FACILITY_DISPUTES}/{filed['id']}", headers=hospital.admin)).json()
    assert (decided["decision"], decided["decision_reason"]) == ("rejected", "Không có căn cứ.")
    late = await client.post(
        f"{FACILITY_DISPUTES}/{filed['id']}/responses", json={"text": "Bổ sung"}, headers=hospital.admin
    )
    assert_problem(late, 409, "dispute-decided")


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001], ids=["empty", "blank", "too-long"])
async def test_a_bad_facility_answer_is_a_400(
    client: Client, family: Family, visit: MedicalVisit, hospital: Hospital, text: str
) -> None:
    filed = await dispute(client, family.head.headers, visit.id)  # type: ignore[arg-type]
    response = await client.post(
        f"{FACILITY_DISPUTES}/{filed['id']}/responses", json={"text": text}, headers=hospital.admin
    )
    assert_problem(response, 400, "invalid-request")
    seen = (await client.get(f"{APPLICATIONS}/{filed['id']}", headers=family.head.headers)).json()
    assert len(seen["timeline"]) == 1


async def test_another_facility_the_clinic_machine_and_citizens_cannot_see_or_answer_the_dispute(
    client: Client,
    db_session: AsyncSession,
    settings: Settings,
    family: Family,
    visit: MedicalVisit,
    hospital: Hospital,
    staff: dict[str, str],
) -> None:
    filed = await dispute(client, family.head.headers, visit.id)  # type: ignore[arg-type]
    _, elsewhere = await make_clinic_client(
        db_session, client_id="clinic-48001", code="48001", name="BV Đà Nẵng", province_code="48"
    )
    other_admin = bearer_for(
        settings, await make_facility_admin(db_session, facility=elsewhere, username="admin.48001")
    )
    one, answer = f"{FACILITY_DISPUTES}/{filed['id']}", f"{FACILITY_DISPUTES}/{filed['id']}/responses"

    assert (await client.get(FACILITY_DISPUTES, headers=other_admin)).json() == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
    }
    assert_problem(await client.get(one, headers=other_admin), 404, "dispute-not-found")
    assert_problem(await client.post(answer, json={"text": "Không"}, headers=other_admin), 404, "dispute-not-found")
    for caller in (hospital.machine, family.head.headers, staff):
        assert_problem(await client.get(FACILITY_DISPUTES, headers=caller), 403, "forbidden")
        assert_problem(await client.get(one, headers=caller), 403, "forbidden")
        assert_problem(await client.post(answer, json={"text": "Không"}, headers=caller), 403, "forbidden")
    assert (await client.get(FACILITY_DISPUTES)).status_code == 401
    seen = (await client.get(f"{APPLICATIONS}/{filed['id']}", headers=family.head.headers)).json()
    assert len(seen["timeline"]) == 1  # nobody's answer got in


async def test_an_upheld_this_wasnt_me_leaves_the_visit_out_of_the_co_payments(
    client: Client, db_session: AsyncSession, family: Family, hospital: Hospital, staff: dict[str, str]
) -> None:
    head = family.head
    mine = await make_visit(db_session, head.person.id, hospital.facility.id, discharge_date=date(2025, 9, 2))  # type: ignore[arg-type]
    forged = await make_visit(
        db_session,
        head.person.id,  # type: ignore[arg-type]
        hospital.facility.id,  # type: ignore[arg-type]
        visit_key="LK-FORGED",
        admission_date=date(2025, 10, 1),
        discharge_date=date(2025, 10, 3),
        total_cost=5_000_000,
        hi_paid=4_000_000,
        patient_paid=1_000_000,
    )
    year = "/api/v1/me/copayment?year=2025"
    assert (await client.get(year, headers=head.headers)).json()["total"] == 1_070_000
    filed = await dispute(client, head.headers, forged.id)  # type: ignore[arg-type]
    assert (await client.get(year, headers=head.headers)).json()["total"] == 1_070_000  # open: still counted
    await decide(client, staff, filed["id"], "upheld", "Thẻ bị người khác sử dụng.")
    after = (await client.get(year, headers=head.headers)).json()
    assert (after["total"], after["visits"]) == (70_000, 1)
    assert mine.co_payment == 70_000

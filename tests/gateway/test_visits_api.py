"""The QĐ 130 routes as hospital software calls them: a form-encoded GIAMDINHHS envelope in base64, the gateway's
session headers, the gateway's JSON answers; and what the citizen then sees."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.time import VN_TZ
from ansinh.facilities.models import MedicalFacility
from ansinh.gateway.callers import FacilityCaller
from ansinh.identity.models import Account, Person
from ansinh.notifications.models import Notification, NotificationPreference
from ansinh.records.models import MedicalVisit, MedicalVisitSubmission
from tests.factories import bearer_for, make_card, make_citizen
from tests.gateway.conftest import GatewayFacility, md5_upper, signed_in
from tests.support import his

CLAIM_URL = "/api/qd130/guiHoSoXmlQD4750"
CHECKIN_URL = "/api/qd130/checkInKcbQd4750"
VISITS = "/api/v1/me/medical-visits"
ACCOUNT = "01001_BV"
MADE_UP_SESSION = {"accessToken": "access-token-of-no-session", "tokenId": "id-token", "passwordHash": "A1B2" * 8}
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass
class Patient:
    account: Account
    person: Person
    card_number: str
    legacy_code: str


@pytest.fixture
def facility(gateway_facility: GatewayFacility) -> MedicalFacility:
    """Facility 01001, whose gateway account is 01001_BV."""
    return gateway_facility.facility


@pytest.fixture
async def patient(db_session: AsyncSession, facility: MedicalFacility) -> Patient:
    account, person = await make_citizen(
        db_session, full_name="Nguyễn Thị Lan", date_of_birth=date(1990, 5, 17), province_code="01"
    )
    card = await make_card(db_session, person=person, facility=facility)
    return Patient(account, person, card.number, card.legacy_code or "")


@pytest.fixture
async def session_of(client: AsyncTestClient[Litestar], gateway_facility: GatewayFacility) -> FacilityCaller:
    """A real gateway session of 01001_BV (``POST /api/token/take``); the client sends its headers from now on."""
    session = await signed_in(client)
    client.headers.update(session.headers())
    facility = gateway_facility.facility
    return FacilityCaller(
        facility_id=facility.id,  # type: ignore[arg-type]
        code=facility.code,
        name=facility.name,
        province_code=facility.province_code,
        username=ACCOUNT,
    )


def _visit(patient: Patient, visit_key: str = "LK20261207001", **changes: Any) -> dict[str, str]:
    return his.claim_tables(
        visit_key=visit_key,
        name=patient.person.full_name,
        birth="199005170000",
        card=patient.card_number,
        citizen_id=patient.person.citizen_id,
        facility="01001",
        **changes,
    )


async def _send(client: AsyncTestClient[Litestar], document: str | bytes, *, url: str = CLAIM_URL, **form: str) -> Any:
    kind = "130" if url == CLAIM_URL else "0"
    body = his.form_body(username=ACCOUNT, kind=kind, facility=form.get("facility", "01001"), file=document)
    return await client.post(url, content=body, headers=FORM)


async def test_a_claim_is_received_with_a_receipt_and_the_citizen_sees_the_visit_with_its_lines(
    client: AsyncTestClient[Litestar], settings: Settings, patient: Patient, session_of: FacilityCaller
) -> None:
    response = await _send(client, his.envelope("01001", [his.hoso(_visit(patient))]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["maKetQua"] == "200"
    assert len(body["maGiaoDich"]) == 32
    assert len(body["thoiGianTiepNhan"]) == 14
    assert body["thoiGianTiepNhan"].isdigit()
    assert body["thongDiep"] == "Đã tiếp nhận 1 hồ sơ."
    assert body["dsLoi"] == []

    page = (await client.get(VISITS, headers=bearer_for(settings, patient.account))).json()
    assert page["total"] == 1
    [visit] = page["items"]
    assert {k: visit[k] for k in ("status", "admission_date", "discharge_date", "admitted_at", "discharged_at")} == {
        "status": "claimed",
        "admission_date": "2026-12-07",
        "discharge_date": "2026-12-07",
        "admitted_at": "2026-12-07T08:15:00+07:00",  # the facility's wall-clock time
        "discharged_at": "2026-12-07T10:30:00+07:00",
    }
    money = ("total_cost", "hi_paid", "patient_paid", "co_payment", "out_of_scope", "other_sources")
    assert {k: visit[k] for k in money} == {
        "total_cost": 65_555,
        "hi_paid": 52_444,
        "patient_paid": 13_111,
        "co_payment": 13_111,
        "out_of_scope": 0,
        "other_sources": 0,
    }
    assert (visit["icd10_code"], visit["icd10_name"], visit["kcb_type"]) == ("J02.9", "Viêm họng cấp", "01")
    assert [(line["kind"], line["code"], line["name"], line["amount"]) for line in visit["lines"]] == [
        ("drug", "40.17", "Paracetamol 500mg", 5_255),
        ("drug", "40.123", "Amoxicilin 500mg", 18_200),
        ("service", "02.1896", "Khám Nội", 42_100),
    ]
    assert visit["lines"][0]["unit_price"] == 526
    assert visit["lines"][0]["quantity"] == "10"


async def test_a_resubmission_replaces_the_visit_and_keeps_the_earlier_file(
    client: AsyncTestClient[Litestar],
    db_session: AsyncSession,
    settings: Settings,
    patient: Patient,
    session_of: FacilityCaller,
) -> None:
    first = await _send(client, his.envelope("01001", [his.hoso(_visit(patient))]))
    corrected = _visit(patient, discharged="202612071115")
    second = await _send(client, his.envelope("01001", [his.hoso(corrected)]))
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["maGiaoDich"] != second.json()["maGiaoDich"]

    page = (await client.get(VISITS, headers=bearer_for(settings, patient.account))).json()
    assert page["total"] == 1
    assert page["items"][0]["discharged_at"] == "2026-12-07T11:15:00+07:00"
    assert len(page["items"][0]["lines"]) == 3  # replaced, not added to
    submissions = (await db_session.exec(select(MedicalVisitSubmission.receipt))).all()
    assert sorted(submissions) == sorted([first.json()["maGiaoDich"], second.json()["maGiaoDich"]])


async def test_the_citizen_is_told_in_the_inbox_and_pushed_only_when_opted_in(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, patient: Patient, session_of: FacilityCaller
) -> None:
    await _send(client, his.envelope("01001", [his.hoso(_visit(patient, "LK-A"))]))
    db_session.add(NotificationPreference(person_id=patient.person.id, card_checked=True))  # type: ignore[arg-type]
    await db_session.commit()
    await _send(client, his.envelope("01001", [his.hoso(_visit(patient, "LK-B"))]))
    notices = (
        await db_session.exec(
            select(Notification).where(Notification.person_id == patient.person.id).order_by(col(Notification.id))
        )
    ).all()
    assert [(n.kind, n.push_state, n.link) for n in notices] == [
        ("visit_recorded", "none", "#/visits"),
        ("visit_recorded", "pending", "#/visits"),
    ]
    assert notices[0].params == {"facility": "Bệnh viện Bạch Mai", "status": "claimed", "admission_date": "2026-12-07"}


async def test_a_check_in_is_a_visit_in_progress_until_the_claim(
    client: AsyncTestClient[Litestar], settings: Settings, patient: Patient, session_of: FacilityCaller
) -> None:
    arrival = {
        "MA_LK": "LK20261207001",
        "STT": 1,
        "HO_TEN": "NGUYỄN THỊ LAN",
        "NGAY_SINH": "199005170000",
        "GIOI_TINH": 2,
        "MA_THE_BHYT": patient.legacy_code,
        "NGAY_VAO": "202612070815",
        "MA_LOAI_KCB": "01",
        "MA_CSKCB": "01001",
    }
    checked_in = await _send(client, his.checkin_file([arrival]), url=CHECKIN_URL)
    assert checked_in.status_code == 200, checked_in.text
    assert checked_in.json()["maKetQua"] == "200"
    headers = bearer_for(settings, patient.account)
    [visit] = (await client.get(VISITS, headers=headers)).json()["items"]
    assert (visit["status"], visit["discharge_date"], visit["icd10_code"], visit["total_cost"]) == (
        "in_progress",
        None,
        None,
        0,
    )

    assert (await _send(client, his.envelope("01001", [his.hoso(_visit(patient))]))).status_code == 200
    [visit] = (await client.get(VISITS, headers=headers)).json()["items"]
    assert (visit["status"], visit["total_cost"]) == ("claimed", 65_555)

    late = await _send(client, his.checkin_file([arrival]), url=CHECKIN_URL)
    assert late.status_code == 400
    assert "đã được gửi hồ sơ giám định" in late.json()["thongDiep"]
    [visit] = (await client.get(VISITS, headers=headers)).json()["items"]
    assert visit["status"] == "claimed"


async def test_good_visits_are_kept_when_others_of_the_envelope_are_refused_with_reasons(
    client: AsyncTestClient[Litestar],
    db_session: AsyncSession,
    patient: Patient,
    session_of: FacilityCaller,
) -> None:
    wrong_sum = _visit(patient, "LK-SUM", total_override="70000")
    other_facility = {
        k: v.replace("<MA_CSKCB>01001</MA_CSKCB>", "<MA_CSKCB>79024</MA_CSKCB>")
        for k, v in _visit(patient, "LK-FAC").items()
    }
    wrong_name = {k: v.replace("Nguyễn Thị Lan", "Nguyễn Thị Lam") for k, v in _visit(patient, "LK-NAME").items()}
    document = his.envelope(
        "01001", [his.hoso(t) for t in (wrong_sum, _visit(patient, "LK-OK"), other_facility, wrong_name)]
    )
    response = await _send(client, document)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(e["maLk"], e["bang"], e["truong"]) for e in body["dsLoi"]] == [
        ("LK-SUM", "XML1", "T_TONGCHI_BV"),
        ("LK-FAC", "XML1", "MA_CSKCB"),
        ("LK-NAME", "XML1", "HO_TEN"),
    ]
    assert body["thongDiep"].startswith("Đã tiếp nhận 1 hồ sơ. [MA_LK=LK-SUM, XML1, T_TONGCHI_BV] T_TONGCHI_BV (70000)")
    stored = (await db_session.exec(select(MedicalVisit.visit_key))).all()
    assert stored == ["LK-OK"]


async def test_an_envelope_of_several_chunks_is_stored_whole_with_its_refusals_in_the_files_order(
    client: AsyncTestClient[Litestar],
    db_session: AsyncSession,
    patient: Patient,
    session_of: FacilityCaller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Chunks of two: one chunk is stored while the next is read, a repeated MA_LK lands in a later chunk, a refused
    # visit and a database refusal fall in different chunks.
    monkeypatch.setattr("ansinh.gateway.visits.CHUNK", 2)
    refuse = "ALTER TABLE medical_visit ADD CONSTRAINT test_refuses_lk_db CHECK (visit_key <> 'LK-DB')"
    await db_session.exec(text(refuse))  # type: ignore[call-overload]
    await db_session.commit()
    tables = [
        _visit(patient, "LK-1"),
        _visit(patient, "LK-2"),
        _visit(patient, "LK-SUM", total_override="70000"),
        _visit(patient, "LK-3"),
        _visit(patient, "LK-DB"),
        _visit(patient, "LK-1", discharged="202612071115"),  # LK-1 again, corrected
        _visit(patient, "LK-4"),
    ]
    try:
        response = await _send(client, his.envelope("01001", [his.hoso(t) for t in tables]))
    finally:
        await db_session.exec(text("ALTER TABLE medical_visit DROP CONSTRAINT test_refuses_lk_db"))  # type: ignore[call-overload]
        await db_session.commit()
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(e["maLk"], e["truong"]) for e in body["dsLoi"]] == [("LK-SUM", "T_TONGCHI_BV"), ("LK-DB", None)]
    assert body["soHoSoTiepNhan"] == 5
    visits = (await db_session.exec(select(MedicalVisit).order_by(col(MedicalVisit.visit_key)))).all()
    assert [v.visit_key for v in visits] == ["LK-1", "LK-2", "LK-3", "LK-4"]
    assert visits[0].discharge_date == date(2026, 12, 7)
    assert visits[0].discharged_at is not None
    assert visits[0].discharged_at.astimezone(VN_TZ).strftime("%H%M") == "1115"  # the later file won
    submissions = (await db_session.exec(select(MedicalVisitSubmission.visit_id))).all()
    assert sorted(submissions).count(visits[0].id) == 2  # both of LK-1's files kept


async def test_a_visit_the_database_refuses_is_refused_alone_and_the_others_are_kept(
    client: AsyncTestClient[Litestar],
    db_session: AsyncSession,
    patient: Patient,
    session_of: FacilityCaller,
) -> None:
    # Visits are written together; when the database refuses one (here a constraint made for the test), they are
    # written again one by one, so only that one is lost.
    refuse = "ALTER TABLE medical_visit ADD CONSTRAINT test_refuses_lk_db CHECK (visit_key <> 'LK-DB')"
    await db_session.exec(text(refuse))  # type: ignore[call-overload]
    await db_session.commit()
    try:
        keys = ("LK-A", "LK-DB", "LK-B")
        response = await _send(client, his.envelope("01001", [his.hoso(_visit(patient, key)) for key in keys]))
    finally:
        await db_session.exec(text("ALTER TABLE medical_visit DROP CONSTRAINT test_refuses_lk_db"))  # type: ignore[call-overload]
        await db_session.commit()
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(e["maLk"], e["lyDo"]) for e in body["dsLoi"]] == [("LK-DB", "Không lưu được hồ sơ; đề nghị gửi lại.")]
    assert body["soHoSoTiepNhan"] == 2
    assert sorted((await db_session.exec(select(MedicalVisit.visit_key))).all()) == ["LK-A", "LK-B"]
    told = (await db_session.exec(select(Notification).where(Notification.person_id == patient.person.id))).all()
    assert len(told) == 2


async def test_a_visit_on_a_card_not_in_force_is_kept_and_flagged(
    client: AsyncTestClient[Litestar],
    db_session: AsyncSession,
    facility: MedicalFacility,
    settings: Settings,
    session_of: FacilityCaller,
) -> None:
    account, person = await make_citizen(db_session, full_name="Lê Văn Bình", date_of_birth=date(1960, 1, 1))
    await make_card(db_session, person=person, facility=facility, valid_to=date(2025, 12, 31))
    tables = his.claim_tables(
        visit_key="LK-OLD", name="Lê Văn Bình", birth="1960", card=person.si_code, citizen_id="", facility="01001"
    )
    response = await _send(client, his.envelope("01001", [his.hoso(tables)]))
    assert response.status_code == 200, response.text
    assert (
        "[MA_LK=LK-OLD, XML1, MA_THE_BHYT] Lưu ý: thẻ không có giá trị vào ngày vào (010"
        in response.json()["thongDiep"]
    )
    [visit] = (await client.get(VISITS, headers=bearer_for(settings, account))).json()["items"]
    assert visit["card_result"] == "010"


XXE = """<?xml version="1.0"?><!DOCTYPE GIAMDINHHS [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<GIAMDINHHS><THONGTINDONVI><MACSKCB>&xxe;</MACSKCB></THONGTINDONVI></GIAMDINHHS>"""
BOMB = """<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><GIAMDINHHS>&d;</GIAMDINHHS>"""


@pytest.mark.parametrize(
    ("document", "status", "says"),
    [
        (XXE, 400, "DTD hoặc thực thể"),
        (BOMB, 400, "DTD hoặc thực thể"),
        ("<GIAMDINHHS><THONGTINDONVI>", 400, "không phải XML hợp lệ"),
        (his.envelope("79024", ["<HOSO/>"]), 403, "MACSKCB của hồ sơ (79024)"),
    ],
    ids=["external-entity", "entity-expansion", "truncated", "another-facility"],
)
async def test_hostile_or_foreign_envelopes_are_refused_whole(
    client: AsyncTestClient[Litestar], session_of: FacilityCaller, document: str, status: int, says: str
) -> None:
    response = await _send(client, document)
    assert response.status_code == status
    assert response.json()["maKetQua"] == str(status)
    assert says in response.json()["thongDiep"]


async def test_bad_base64_is_refused_with_a_message(
    client: AsyncTestClient[Litestar], session_of: FacilityCaller
) -> None:
    body = f"username={ACCOUNT}&loaiHoSo=130&maTinh=01&maCSKCB=01001&fileHSBase64=%%%not-base64".encode()
    response = await client.post(CLAIM_URL, content=body, headers=FORM)
    assert response.status_code == 400
    assert response.json() == {
        "maKetQua": "400",
        "thongDiep": "fileHSBase64 không phải chuỗi base64 hợp lệ.",
        "dsLoi": [],
    }


async def test_nothing_accepted_is_a_400_with_every_reason(
    client: AsyncTestClient[Litestar], patient: Patient, session_of: FacilityCaller
) -> None:
    response = await _send(client, his.envelope("01001", [his.hoso(_visit(patient, hi_paid_override="1"))]))
    assert response.status_code == 400
    assert response.json()["dsLoi"][0]["truong"] == "T_BHTT"
    assert "maGiaoDich" not in response.json()


async def test_the_forms_facility_must_be_the_sessions(
    client: AsyncTestClient[Litestar], patient: Patient, session_of: FacilityCaller
) -> None:
    response = await _send(client, his.envelope("79024", [his.hoso(_visit(patient))]), facility="79024")
    assert response.status_code == 403
    assert response.json()["maKetQua"] == "403"


@pytest.mark.parametrize("url", [CLAIM_URL, CHECKIN_URL])
async def test_without_a_session_nothing_is_read(client: AsyncTestClient[Litestar], patient: Patient, url: str) -> None:
    """Without session headers, or with headers of no session, nothing is read."""
    response = await _send(client, his.envelope("01001", [his.hoso(_visit(patient))]), url=url)
    assert response.status_code == 401
    assert response.json()["maKetQua"] == "401"
    client.headers.update(MADE_UP_SESSION)
    response = await _send(client, his.envelope("01001", [his.hoso(_visit(patient))]), url=url)
    assert response.status_code == 401
    assert response.json()["maKetQua"] == "401"


async def test_the_session_headers_must_be_the_sessions_own(
    client: AsyncTestClient[Litestar], patient: Patient, session_of: FacilityCaller
) -> None:
    for name, value in (("tokenId", "another-id-token"), ("passwordHash", md5_upper("not-the-password"))):
        client.headers[name] = value
        response = await _send(client, his.envelope("01001", [his.hoso(_visit(patient))]))
        assert response.status_code == 401, name


async def test_a_citizen_never_sees_another_citizens_visits(
    client: AsyncTestClient[Litestar],
    db_session: AsyncSession,
    settings: Settings,
    patient: Patient,
    session_of: FacilityCaller,
) -> None:
    assert (await _send(client, his.envelope("01001", [his.hoso(_visit(patient))]))).status_code == 200
    other, _ = await make_citizen(db_session, full_name="Phạm Văn Đức")
    page = (await client.get(VISITS, headers=bearer_for(settings, other))).json()
    assert page == {"items": [], "total": 0, "limit": 20, "offset": 0}

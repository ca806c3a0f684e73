"""``POST /api/egw/KQNhanLichSuKCB2024`` as hospital software calls it: the session in the query string, a JSON body
sent as text/plain, HTTP 200 whatever the result, the official codes in the spec's order, the holder's fields, visits
and check log only when the holder matched; each check recorded like a clinic check, a 205 or 401 never."""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.cards.models import HealthInsuranceCard
from ansinh.clinics.models import CardCheck
from ansinh.core.settings import Settings
from ansinh.facilities.models import MedicalFacility
from ansinh.gateway import service
from ansinh.identity.models import Account, Person
from ansinh.notifications.models import Notification, NotificationPreference
from ansinh.records.models import MedicalVisit
from tests.factories import DEFAULT_STAFF, bearer_for, make_card, make_citizen, make_facility
from tests.gateway.conftest import GatewayFacility, Session, md5_upper, signed_in, take

Client = AsyncTestClient[Litestar]
CHECK_URL = "/api/egw/KQNhanLichSuKCB2024"
TEXT = {"content-type": "text/plain; charset=utf-8"}
STAFF_NAME, STAFF_ID = DEFAULT_STAFF
EMPTY_HOLDER = ("hoTen", "ngaySinh", "gioiTinh", "diaChi", "maDKBD", "gtTheTu", "gtTheDen", "maSoBHXH", "maTheMoi")


@dataclass
class Holder:
    account: Account
    person: Person
    card: HealthInsuranceCard
    facility: MedicalFacility


@pytest.fixture
async def holder(db_session: AsyncSession) -> Holder:
    facility = await make_facility(db_session, code="01002", name="Bệnh viện Hữu nghị", province_code="01")
    account, person = await make_citizen(
        db_session,
        full_name="Nguyễn Thị Lan",
        date_of_birth=date(1990, 5, 17),
        sex="F",
        province_code="01",
        address="Số 5 phố Huế, Hai Bà Trưng, Hà Nội",
    )
    card = await make_card(db_session, person=person, facility=facility, five_year_date=date(2025, 1, 1))
    return Holder(account, person, card, facility)


@pytest.fixture
async def session(client: Client, gateway_facility: GatewayFacility) -> Session:
    """The HIS signs in by form with the upper-case MD5, as the gateway's own guide shows."""
    body = await take(client, form=True, username="01001_BV", password=md5_upper())
    api_key = body["APIKey"]
    return Session(api_key["access_token"], api_key["id_token"], "01001_BV", md5_upper())


def body_for(holder: Holder, **changes: str) -> dict[str, str]:
    """The card check's body as HIS clients send it."""
    return {
        "maThe": holder.card.number,
        "hoTen": holder.person.full_name,
        "ngaySinh": holder.person.date_of_birth.strftime("%d/%m/%Y"),
        "hoTenCb": STAFF_NAME,
        "cccdCb": STAFF_ID,
        **changes,
    }


async def check(client: Client, session: Session, body: dict[str, Any] | bytes, **query: str) -> dict[str, Any]:
    """The check as HIS sends it: the session in the query string, JSON sent as text/plain; always HTTP 200."""
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()  # UTF-8, as HIS
    response = await client.post(CHECK_URL, params={**session.query(), **query}, content=content, headers=TEXT)
    assert response.status_code == 200, response.text
    return response.json()


async def checks_recorded(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(CardCheck))).one()


def assert_no_holder(body: dict[str, Any]) -> None:
    for name in EMPTY_HOLDER:
        assert body[name] is None, name
    assert body["dsLichSuKCB2018"] == []
    assert body["dsLichSuKT2018"] == []


async def test_a_holder_in_force_is_000_with_every_field_the_spec_lists(
    client: Client, session: Session, holder: Holder
) -> None:
    body = await check(client, session, body_for(holder))
    assert body["maKetQua"] == "000"
    assert body["maThe"] == holder.card.legacy_code
    assert body["maSoBHXH"] == holder.person.si_code
    assert (body["hoTen"], body["ngaySinh"], body["gioiTinh"]) == ("Nguyễn Thị Lan", "17/05/1990", "Nữ")
    assert body["diaChi"] == "Số 5 phố Huế, Hai Bà Trưng, Hà Nội"
    assert (body["maDKBD"], body["gtTheTu"], body["gtTheDen"]) == ("01002", "01/01/2020", "31/12/2099")
    assert body["ngayDu5Nam"] == "01/01/2025"
    assert body["cqBHXH"] == "Bảo hiểm xã hội thành phố Hà Nội"  # the office of the card code's province, 01
    assert body["maKV"] == ""  # the holder lives in no remote area
    assert body["maTheMoi"] is None
    for part in ("Nguyễn Thị Lan", "17/05/1990", "Nữ", "phố Huế", "01002", "01/01/2020 - 31/12/2099", "01/01/2025"):
        assert part in body["ghiChu"], part


async def test_a_json_session_with_the_lower_case_md5_checks_too(
    client: Client, gateway_facility: GatewayFacility, holder: Holder
) -> None:
    body = await check(client, await signed_in(client), body_for(holder))
    assert body["maKetQua"] == "000"


async def test_the_15_character_code_and_the_citizen_id_find_the_card(
    client: Client, session: Session, holder: Holder
) -> None:
    for code in (holder.card.legacy_code or "", holder.person.citizen_id):
        assert (await check(client, session, body_for(holder, maThe=code)))["maKetQua"] == "000"


async def test_a_year_alone_matches_the_full_birth_date_in_that_year(
    client: Client, session: Session, holder: Holder
) -> None:
    assert (await check(client, session, body_for(holder, ngaySinh="1990")))["maKetQua"] == "000"
    assert (await check(client, session, body_for(holder, ngaySinh="1991")))["maKetQua"] == "070"


async def test_the_holders_visits_newest_first_in_vietnam_time(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder
) -> None:
    for day, admitted in ((date(2025, 3, 1), datetime(2025, 3, 1, 1, 30, tzinfo=UTC)), (date(2025, 9, 2), None)):
        db_session.add(
            MedicalVisit(
                person_id=holder.person.id,
                facility_id=holder.facility.id,
                admission_date=day,
                discharge_date=day,
                admitted_at=admitted,
                discharged_at=admitted,
                icd10_code="J06.9",
                icd10_name="Nhiễm trùng đường hô hấp trên cấp",
                admission_reason="Sốt",
                treatment_result="1",
                discharge_type="1",
                total_cost=100,
                hi_scope_total=100,
                hi_paid=80,
                co_payment=20,
                patient_paid=20,
            )
        )
    await db_session.commit()
    visits = (await check(client, session, body_for(holder)))["dsLichSuKCB2018"]
    assert [visit["ngayVao"] for visit in visits] == ["202509020000", "202503010830"]  # 01:30 UTC is 08:30 in Vietnam
    assert visits[1] == {
        "maHoSo": visits[1]["maHoSo"],
        "maCSKCB": "01002",
        "ngayVao": "202503010830",
        "ngayRa": "202503010830",
        "tenBenh": "Nhiễm trùng đường hô hấp trên cấp",
        "tinhTrang": "1",
        "kqDieuTri": "1",
        "lyDoVV": "Sốt",
    }


async def test_an_earlier_check_is_found_in_the_check_log_under_the_facility_account(
    client: Client, session: Session, holder: Holder
) -> None:
    first = await check(client, session, body_for(holder))
    assert first["dsLichSuKT2018"] == []
    second = await check(client, session, body_for(holder, hoTenCb="lê thị  y tá"))  # the same person, written so
    (earlier,) = second["dsLichSuKT2018"]
    assert earlier["userKT"] == "01001_BV"
    assert earlier["maLoi"] == "000"
    assert earlier["thongBao"]
    assert len(earlier["thoiGianKT"]) == 12
    assert earlier["thoiGianKT"].isdigit()
    assert STAFF_ID not in str(second)


async def test_the_check_log_says_what_each_earlier_check_answered(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder
) -> None:
    mistaken = await check(client, session, body_for(holder, ngaySinh="18/05/1990"))
    matched = await check(client, session, body_for(holder))
    third = await check(client, session, body_for(holder, hoTenCb="lê thị  y tá"))  # not a retry: another body
    assert (mistaken["maKetQua"], matched["maKetQua"]) == ("070", "000")
    # thongBao is that check's ghiChu (spec section 2): the whole sentence for a match, the bare result otherwise.
    assert [(entry["maLoi"], entry["thongBao"]) for entry in third["dsLichSuKT2018"]] == [
        ("000", matched["ghiChu"]),
        ("070", mistaken["ghiChu"]),
    ]
    assert mistaken["ghiChu"] == "Ngày sinh không đúng."


@pytest.mark.parametrize(
    ("province", "office"),
    [
        ("79", "Bảo hiểm xã hội Thành phố Hồ Chí Minh"),
        ("34", "Bảo hiểm xã hội tỉnh Thái Bình"),
        ("97", "Bảo hiểm xã hội Bộ Quốc phòng"),
    ],
)
async def test_cqbhxh_names_the_office_of_the_card_codes_province(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder, province: str, office: str
) -> None:
    holder.card.legacy_code = f"DN4{province}{holder.person.si_code}"
    db_session.add(holder.card)
    await db_session.commit()
    assert (await check(client, session, body_for(holder)))["cqBHXH"] == office


@pytest.mark.parametrize("area", ["K1", "K2", "K3"])
async def test_makv_is_the_cards_living_area_code(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder, area: str
) -> None:
    holder.card.living_area = area
    db_session.add(holder.card)
    await db_session.commit()
    assert (await check(client, session, body_for(holder)))["maKV"] == area


async def test_without_a_15_character_code_cqbhxh_is_the_holders_provinces_office(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder
) -> None:
    holder.card.legacy_code = None
    db_session.add(holder.card)
    await db_session.commit()
    body = await check(client, session, body_for(holder))
    assert (body["maThe"], body["cqBHXH"]) == (holder.card.number, "Bảo hiểm xã hội thành phố Hà Nội")
    # A 15-character code for such a card is judged against the holder's province.
    si_code = holder.person.si_code
    assert (await check(client, session, body_for(holder, maThe=f"DN401{si_code}")))["maKetQua"] == "000"
    assert (await check(client, session, body_for(holder, maThe=f"DN479{si_code}")))["maKetQua"] == "052"


async def test_a_retried_check_is_recorded_once_and_answered_in_full_again(
    client: Client, db_session: AsyncSession, settings: Settings, session: Session, holder: Holder
) -> None:
    db_session.add(NotificationPreference(person_id=holder.person.id, card_checked=True))
    await db_session.commit()
    first = await check(client, session, body_for(holder))
    retry = await check(client, session, body_for(holder))  # HIS software retrying within 10 s: the same body
    assert retry == first
    assert retry["maKetQua"] == "000"
    assert retry["hoTen"] == "Nguyễn Thị Lan"
    assert await checks_recorded(db_session) == 1
    receipts = await client.get("/api/v1/me/card/checks", headers=bearer_for(settings, holder.account))
    assert receipts.json()["total"] == 1
    notices = (await db_session.exec(select(Notification).where(Notification.person_id == holder.person.id))).all()
    assert len(notices) == 1
    # Another staff member's check of the same card is a check of its own, and finds the first one logged once.
    other = await check(client, session, body_for(holder, hoTenCb="lê thị  y tá"))
    assert [entry["maLoi"] for entry in other["dsLichSuKT2018"]] == ["000"]
    assert await checks_recorded(db_session) == 2


async def test_a_retry_sent_to_another_worker_is_recorded_once_through_the_shared_store(
    shared_state_settings: Settings, db_session: AsyncSession, gateway_facility: GatewayFacility, holder: Holder
) -> None:
    # Redis: the retry goes to a second worker (another app) and the window is shared; memory: one worker alone.
    first_app = create_app(shared_state_settings)
    second_app = create_app(shared_state_settings) if shared_state_settings.redis_url else first_app
    async with AsyncTestClient(app=first_app) as first_worker, AsyncTestClient(app=second_app) as second_worker:
        session = await signed_in(first_worker)
        first = await check(first_worker, session, body_for(holder))
        retry = await check(second_worker, session, body_for(holder))
    assert retry == first
    assert first["maKetQua"] == "000"
    assert await checks_recorded(db_session) == 1


async def test_a_retried_mistake_is_recorded_once_too(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder
) -> None:
    for _ in range(3):
        assert (await check(client, session, body_for(holder, hoTen="Phạm Văn Đức")))["maKetQua"] == "060"
    assert await checks_recorded(db_session) == 1


async def test_each_check_is_recorded_as_a_receipt_for_the_citizen_and_the_opted_in_notice(
    client: Client, db_session: AsyncSession, settings: Settings, session: Session, holder: Holder
) -> None:
    db_session.add(NotificationPreference(person_id=holder.person.id, card_checked=True))
    await db_session.commit()
    await check(client, session, body_for(holder))
    receipts = await client.get("/api/v1/me/card/checks", headers=bearer_for(settings, holder.account))
    (receipt,) = receipts.json()["items"]
    assert (receipt["method"], receipt["result"], receipt["facility_code"]) == ("gateway", "000", "01001")
    notices = (await db_session.exec(select(Notification).where(Notification.person_id == holder.person.id))).all()
    assert [notice.kind for notice in notices] == ["card_checked"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"maThe": "0199999999"}, "050"),  # well-formed, no such card
        ({"maThe": "019999999"}, "051"),  # nine digits
        ({"maThe": "ZZ40179000000001"[:15]}, "051"),  # no such beneficiary group
        ({"cccdCb": "001190000999"}, "054"),  # not registered at the facility
        ({"hoTenCb": "Trần Văn Khác"}, "055"),  # registered under another name
        ({"hoTen": "Phạm Văn Đức"}, "060"),
        ({"hoTen": "Ngô Thị Lan"}, "061"),  # first letter right (N)
        ({"ngaySinh": "18/05/1990"}, "070"),
    ],
)
async def test_the_matching_mistakes_answer_their_code_without_the_holder(
    client: Client, session: Session, holder: Holder, changes: dict[str, str], code: str
) -> None:
    body = await check(client, session, body_for(holder, **changes))
    assert body["maKetQua"] == code
    assert_no_holder(body)


async def test_a_wrong_province_or_benefit_digit_of_the_15_character_code_is_052_or_053(
    client: Client, session: Session, holder: Holder
) -> None:
    code = holder.card.legacy_code or ""
    assert (await check(client, session, body_for(holder, maThe=code[:3] + "79" + code[5:])))["maKetQua"] == "052"
    assert (await check(client, session, body_for(holder, maThe=code[:2] + "2" + code[3:])))["maKetQua"] == "053"
    assert (await check(client, session, body_for(holder, maThe=code[:2] + "9" + code[3:])))["maKetQua"] == "053"


async def test_the_staff_member_is_judged_before_the_card(client: Client, session: Session, holder: Holder) -> None:
    body = await check(client, session, body_for(holder, maThe="019999999", cccdCb="001190000999"))
    assert body["maKetQua"] == "054"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"hoTen": "A", "ngaySinh": "17/05/1990", "hoTenCb": STAFF_NAME, "cccdCb": STAFF_ID}, "maThe"),
        ({"maThe": "0" * 40}, "maThe"),  # over-long
        ({"maThe": "０１００００００００"}, "maThe"),  # full-width digits
        ({"ngaySinh": "1990-05-17"}, "ngaySinh"),
        ({"ngaySinh": "31/02/1990"}, "ngaySinh"),
        ({"ngaySinh": "١٧/٠٥/١٩٩٠"}, "ngaySinh"),  # Arabic-Indic digits
        ({"cccdCb": "00119000012"}, "cccdCb"),
        ({"hoTenCb": ""}, "hoTenCb"),
        ({"hoTen": "x" * 500}, "hoTen"),
    ],
)
async def test_a_missing_or_ill_formed_parameter_is_205_naming_it_and_never_recorded(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder, body: dict[str, str], named: str
) -> None:
    sent = body if "hoTenCb" in body and "cccdCb" in body else body_for(holder, **body)
    answer = await check(client, session, sent)
    assert answer["maKetQua"] == "205"
    assert named in answer["ghiChu"]
    assert_no_holder(answer)
    assert await checks_recorded(db_session) == 0


async def test_hostile_input_is_answered_by_the_gateway_never_a_5xx(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder
) -> None:
    assert (await check(client, session, b"[" * 10_000))["maKetQua"] == "205"
    assert (await check(client, session, b"\xff\xfe"))["maKetQua"] == "205"
    assert (await check(client, session, body_for(holder), id_token="mã-không-ascii"))["maKetQua"] == "401"
    response = await client.post("/api/token/take", content=b"[" * 10_000, headers={"content-type": "text/plain"})
    assert (response.status_code, response.json()) == (200, {"maKetQua": "401"})
    assert await checks_recorded(db_session) == 0


async def test_bad_json_is_205_and_unknown_fields_are_ignored(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder
) -> None:
    answer = await check(client, session, b'{"maThe": "01')
    assert answer["maKetQua"] == "205"
    assert await checks_recorded(db_session) == 0
    assert (await check(client, session, body_for(holder, maCSKCB="01001", extra="x")))["maKetQua"] == "000"


async def test_without_the_sessions_own_values_it_is_401_and_never_recorded(
    client: Client, db_session: AsyncSession, settings: Settings, session: Session, holder: Holder
) -> None:
    for query in (
        {"token": "no-such-token"},
        {"id_token": "another-id-token"},
        {"username": "01002_BV"},
        {"password": md5_upper("not-the-password")},
        {"token": bearer_for(settings, holder.account)["Authorization"][7:]},  # an /api/v1 token
    ):
        answer = await check(client, session, body_for(holder), **query)
        assert answer["maKetQua"] == "401", query
        assert_no_holder(answer)
    assert await checks_recorded(db_session) == 0


async def test_an_expired_session_is_401(
    client: Client, session: Session, holder: Holder, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert (await check(client, session, body_for(holder)))["maKetQua"] == "401"


@pytest.mark.parametrize(
    ("card_fields", "code"),
    [
        ({"status": "withdrawn"}, "110"),
        ({"status": "decreased", "decrease_reason": "reported"}, "120"),
        ({"status": "decreased", "decrease_reason": "moved_out_of_province"}, "121"),
        ({"status": "decreased", "decrease_reason": "moved_within_province"}, "122"),
        ({"status": "decreased", "decrease_reason": "re_enrolled_same_employer"}, "123"),
        ({"status": "decreased", "decrease_reason": "stopped"}, "124"),
        ({"valid_to": date(2024, 12, 31)}, "010"),
        ({"beneficiary_group": "QN"}, "001"),
        ({"beneficiary_group": "CA"}, "002"),
    ],
)
async def test_the_cards_state_answers_its_code_with_the_holder(
    client: Client, db_session: AsyncSession, session: Session, holder: Holder, card_fields: dict[str, Any], code: str
) -> None:
    for name, value in card_fields.items():
        setattr(holder.card, name, value)
    db_session.add(holder.card)
    await db_session.commit()
    body = await check(client, session, body_for(holder))
    assert body["maKetQua"] == code
    assert body["hoTen"] == "Nguyễn Thị Lan"


@pytest.mark.parametrize(("old_valid_to", "code"), [(date(2024, 12, 31), "003"), (date(2099, 12, 31), "004")])
async def test_a_reissued_card_answers_003_or_004_with_the_new_cards_fields(
    client: Client,
    db_session: AsyncSession,
    session: Session,
    holder: Holder,
    old_valid_to: date,
    code: str,
) -> None:
    old_code = holder.card.legacy_code
    holder.card.status = "replaced"
    holder.card.valid_to = old_valid_to
    db_session.add(holder.card)
    await db_session.commit()
    new_facility = await make_facility(db_session, code="01003", name="Bệnh viện E", province_code="01")
    await make_card(
        db_session,
        person=holder.person,
        facility=new_facility,
        legacy_code=f"HT301{holder.person.si_code}",  # a new group and benefit level: a new card code
        beneficiary_group="HT",
        benefit_level=3,
        valid_from=date(2025, 1, 1),
        valid_to=date(2099, 12, 31),
    )
    body = await check(client, session, body_for(holder, maThe=old_code or ""))
    assert body["maKetQua"] == code
    assert body["maTheCu"] == old_code
    assert body["maTheMoi"] == f"HT301{holder.person.si_code}"
    assert (body["gtTheTuMoi"], body["gtTheDenMoi"]) == ("01/01/2025", "31/12/2099")
    assert (body["maDKBDMoi"], body["tenDKBDMoi"]) == ("01003", "Bệnh viện E")


async def test_the_access_log_holds_neither_the_query_string_nor_the_password_header(
    client: Client, session: Session, holder: Holder, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await check(client, session, body_for(holder))
        await client.post(
            "/api/qd130/checkInKcbQd4750",
            headers={**session.headers(), "content-type": "application/x-www-form-urlencoded"},
            content=b"username=01001_BV",
        )
    served = [record for record in caplog.records if record.name.startswith("ansinh")]  # not the test client's own
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in served)
    assert CHECK_URL in logged
    assert session.token not in logged
    assert session.password not in logged
    assert session.password.lower() not in logged


async def test_the_gateway_routes_are_in_the_openapi_document(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "/api/token/take" in paths
    assert "/api/egw/KQNhanLichSuKCB2024" in paths

"""The gateway's card check (specs/vss-gateway.md section 2): the parameters, the spec's order of codes, the answer's
fields as the gateway writes them, and the check recorded as /api/v1/clinic/verify records one."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import HealthInsuranceCard
from ansinh.cards.results import CheckResult
from ansinh.clinics.checks import (
    CheckServices,
    Verdict,
    judge_card_code,
    staff_verdict,
    with_replacement,
)
from ansinh.clinics.models import CardCheck, CheckMethod
from ansinh.clinics.recorder import ScanRecord
from ansinh.core.statements import Statements
from ansinh.core.time import VN_TZ
from ansinh.facilities.models import MedicalFacility
from ansinh.gateway.service import GatewaySession
from ansinh.identity.models import DatePrecision, Person
from ansinh.records.models import MedicalVisit

MAX_CARD_CODE = 15
MAX_NAME = 120
HISTORY_LIMIT = 100
_DAY_MONTH_YEAR = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_YEAR = re.compile(r"[0-9]{4}")
_CITIZEN_ID = re.compile(r"[0-9]{12}")
FullRow = tuple[HealthInsuranceCard, Person, MedicalFacility]
SEX_TEXT = {"M": "Nam", "F": "Nữ"}
# The answer's fields besides maKetQua and ghiChu, all present in every answer (empty unless the holder matched).
HOLDER_FIELDS = (
    "maThe",
    "hoTen",
    "ngaySinh",
    "gioiTinh",
    "diaChi",
    "maDKBD",
    "cqBHXH",
    "gtTheTu",
    "gtTheDen",
    "maKV",
    "ngayDu5Nam",
    "maSoBHXH",
    "maTheCu",
    "maTheMoi",
    "gtTheTuMoi",
    "gtTheDenMoi",
    "maDKBDMoi",
    "tenDKBDMoi",
)


@dataclass(frozen=True, slots=True)
class CardQuery:
    """The card check's body, checked for form: the card code, the holder's name and birth date, the staff member."""

    card_code: str
    full_name: str
    birth_date: str  # YYYY-MM-DD, or YYYY
    staff_name: str
    staff_citizen_id: str


class BadParameter(ValueError):
    """A missing or ill-formed parameter (205); the message names it."""


def _text(fields: dict[str, Any], name: str, limit: int) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadParameter(f"thiếu tham số {name}")
    if len(value) > limit:
        raise BadParameter(f"{name} dài quá {limit} ký tự")
    return value.strip()


def _birth_date(text: str) -> str:
    """``dd/mm/yyyy`` as an ISO date, or ``yyyy`` as is (ASCII digits, a real date)."""
    if _YEAR.fullmatch(text):
        return text
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        raise BadParameter("ngaySinh phải có dạng dd/mm/yyyy hoặc yyyy")
    try:
        return date(int(match[3]), int(match[2]), int(match[1])).isoformat()
    except ValueError:
        raise BadParameter("ngaySinh không phải một ngày có thật") from None


def card_query(fields: dict[str, Any] | None) -> CardQuery:
    """The body's fields (unknown ones ignored) checked for form; ``BadParameter`` naming the first faulty one."""
    if fields is None:
        raise BadParameter("dữ liệu gửi lên không phải JSON")
    card_code = _text(fields, "maThe", MAX_CARD_CODE)
    if not card_code.isascii():
        raise BadParameter("maThe chỉ gồm chữ và số ASCII")
    full_name = _text(fields, "hoTen", MAX_NAME)
    birth_date = _birth_date(_text(fields, "ngaySinh", 10))
    staff_name = _text(fields, "hoTenCb", MAX_NAME)
    staff_citizen_id = _text(fields, "cccdCb", 12)
    if not _CITIZEN_ID.fullmatch(staff_citizen_id):
        raise BadParameter("cccdCb phải là 12 chữ số")
    return CardQuery(card_code, full_name, birth_date, staff_name, staff_citizen_id)


def day_text(day: date | None) -> str:
    """``dd/mm/yyyy``, or empty."""
    return day.strftime("%d/%m/%Y") if day else ""


def minute_text(moment: datetime | None, day: date | None) -> str:
    """``yyyyMMddHHmm`` in Vietnam wall-clock time (a date alone at 00:00), or empty."""
    if moment is not None:
        return moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M")
    return day.strftime("%Y%m%d0000") if day else ""


def birth_text(person: Person) -> str:
    """The birth date as the gateway writes it: ``dd/mm/yyyy``, or ``yyyy`` when only the year is on record."""
    if person.birth_date_precision == DatePrecision.YEAR:
        return f"{person.date_of_birth.year:04d}"
    return day_text(person.date_of_birth)


def _office(row: FullRow) -> str:
    card, person, _ = row
    province = card.legacy_code[3:5] if card.legacy_code else person.province_code
    return f"BHXH tỉnh mã {province}"


def note(result: CheckResult, row: FullRow | None) -> str:
    """``ghiChu`` as the gateway writes it: the result, then the holder's name, birth date, sex, address, registered
    facility, validity and 5-year date when the holder matched."""
    if row is None or not result.holder_matched:
        return result.message_vi
    card, person, facility = row
    return (
        f"{result.message_vi} Họ tên: {person.full_name}, Ngày sinh: {birth_text(person)}, "
        f"Giới tính : {SEX_TEXT.get(person.sex, '')}! (ĐC: {person.address or ''}; Nơi KCBBĐ: {facility.code}; "
        f"Hạn thẻ: {day_text(card.valid_from)} - {day_text(card.valid_to)}; "
        f"Thời điểm đủ 5 năm liên tục: {day_text(card.five_year_date)})"
    )


def _holder_fields(found: FullRow, new: FullRow | None) -> dict[str, Any]:
    card, person, facility = found
    fields: dict[str, Any] = {
        "maThe": card.legacy_code or card.number,
        "hoTen": person.full_name,
        "ngaySinh": birth_text(person),
        "gioiTinh": SEX_TEXT.get(person.sex, ""),
        "diaChi": person.address or "",
        "maDKBD": facility.code,
        "cqBHXH": _office(found),
        "gtTheTu": day_text(card.valid_from),
        "gtTheDen": day_text(card.valid_to),
        "maKV": "",
        "ngayDu5Nam": day_text(card.five_year_date),
        "maSoBHXH": person.si_code,
    }
    if new is not None:
        new_card, _, new_facility = new
        fields |= {
            "maTheCu": card.legacy_code or card.number,
            "maTheMoi": new_card.legacy_code or new_card.number,
            "gtTheTuMoi": day_text(new_card.valid_from),
            "gtTheDenMoi": day_text(new_card.valid_to),
            "maDKBDMoi": new_facility.code,
            "tenDKBDMoi": new_facility.name,
        }
    return fields


async def _full_row(db: AsyncSession, card_id: int) -> FullRow:
    """The card with its holder and registered facility, every column (the hot read carries only a check's)."""
    row = (
        await db.exec(
            select(HealthInsuranceCard, Person, MedicalFacility)
            .join(Person, col(Person.id) == col(HealthInsuranceCard.person_id))
            .join(MedicalFacility, col(MedicalFacility.id) == col(HealthInsuranceCard.primary_facility_id))
            .where(HealthInsuranceCard.id == card_id)
        )
    ).one()
    return row[0], row[1], row[2]


async def _holder_answer(services: CheckServices, verdict: Verdict) -> dict[str, Any]:
    """The holder's fields, ``ghiChu``, visits and check log (the holder matched)."""
    assert verdict.found is not None
    async with services.sessions() as db:
        found = await _full_row(db, verdict.found[0].id)
        new = await _full_row(db, verdict.replacement[0].id) if verdict.replacement is not None else None
        card, person, _ = found
        return {
            **_holder_fields(found, new),
            "ghiChu": note(verdict.result, found),
            "dsLichSuKCB2018": await _visits(db, person.id),  # type: ignore[arg-type]
            "dsLichSuKT2018": await _earlier_checks(db, person.id, card.id),  # type: ignore[arg-type]
        }


async def _visits(db: AsyncSession, person_id: int) -> list[dict[str, str]]:
    """The holder's visits, newest first, as ``dsLichSuKCB2018`` lists them."""
    rows = (
        await db.exec(
            select(MedicalVisit, MedicalFacility.code)
            .join(MedicalFacility, col(MedicalFacility.id) == col(MedicalVisit.facility_id))
            .where(MedicalVisit.person_id == person_id)
            .order_by(col(MedicalVisit.admission_date).desc(), col(MedicalVisit.id).desc())
            .limit(HISTORY_LIMIT)
        )
    ).all()
    return [
        {
            "maHoSo": str(visit.id),
            "maCSKCB": code,
            "ngayVao": minute_text(visit.admitted_at, visit.admission_date),
            "ngayRa": minute_text(visit.discharged_at, visit.discharge_date),
            "tenBenh": visit.icd10_name or "",
            "tinhTrang": visit.discharge_type or "",
            "kqDieuTri": visit.treatment_result or "",
            "lyDoVV": visit.admission_reason or "",
        }
        for visit, code in rows
    ]


async def _earlier_checks(db: AsyncSession, person_id: int, card_id: int) -> list[dict[str, str]]:
    """Every facility's earlier checks of the card, newest first, as ``dsLichSuKT2018`` lists them: the facility's
    account, never the staff member."""
    rows = (
        await db.exec(
            select(CardCheck.client_id, CardCheck.checked_at, CardCheck.result)
            .where(CardCheck.person_id == person_id, CardCheck.card_id == card_id)
            .order_by(col(CardCheck.checked_at).desc(), col(CardCheck.id).desc())
            .limit(HISTORY_LIMIT)
        )
    ).all()
    return [
        {
            "userKT": client_id,
            "thoiGianKT": minute_text(checked_at, None),
            "thongBao": CheckResult(result).message_vi,
            "maLoi": result,
        }
        for client_id, checked_at, result in rows
    ]


def empty_answer(result: CheckResult, message: str) -> dict[str, Any]:
    """An answer without the holder: ``maKetQua``, ``ghiChu``, and every other field empty."""
    return {
        "maKetQua": result.value,
        "ghiChu": message,
        **dict.fromkeys(HOLDER_FIELDS),
        "dsLichSuKCB2018": [],
        "dsLichSuKT2018": [],
    }


async def check_card(
    statements: Statements, services: CheckServices, *, session: GatewaySession, query: CardQuery, now: datetime
) -> dict[str, Any]:
    """Judge the check in the spec's order (staff, card code, no card, holder, card state), record it, answer it."""
    registered = await services.staff.get(services.sessions, facility_id=session.facility_id)
    wrong_staff = staff_verdict(registered, staff_name=query.staff_name, staff_citizen_id=query.staff_citizen_id)
    verdict = Verdict(wrong_staff) if wrong_staff is not None else None
    if verdict is None:
        judged = await judge_card_code(
            statements,
            card_code=query.card_code,
            full_name=query.full_name,
            birth_date=query.birth_date,
            now=now,
            year_matches_date=True,
        )
        verdict = await with_replacement(statements, judged)
    answer = empty_answer(verdict.result, verdict.result.message_vi)
    if verdict.found is not None and verdict.result.holder_matched:
        answer |= await _holder_answer(services, verdict)
    await _record(services, session=session, query=query, verdict=verdict, now=now)
    return answer


async def _record(
    services: CheckServices, *, session: GatewaySession, query: CardQuery, verdict: Verdict, now: datetime
) -> int:
    """Log the check as a clinic check is logged (the citizen's receipt; the notice when they asked for one)."""
    found = verdict.found
    tell_holder = found is not None and verdict.result.valid and verdict.holder_wants_notice
    values = {
        "facility_id": session.facility_id,
        "client_id": session.username,
        "staff_name": query.staff_name,
        "staff_citizen_id": query.staff_citizen_id,
        "method": CheckMethod.GATEWAY.value,
        "checked_at": now,
        "result": verdict.result.value,
        "person_id": found[1].id if found else None,
        "card_id": found[0].id if found else None,
        "token_id": None,
    }
    return await services.recorder.record(
        ScanRecord(values=values, notice_facility=session.facility_name if tell_holder else None)
    )

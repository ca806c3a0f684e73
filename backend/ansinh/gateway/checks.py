"""The gateway's card check (specs/vss-gateway.md section 2): the parameters, the spec's order of codes, the answer's
fields as the gateway writes them, and the check recorded as /api/v1/clinic/verify records one."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import Text, cast, func, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ansinh.cards.models import HealthInsuranceCard
from ansinh.cards.provinces import issuing_office
from ansinh.cards.results import CheckResult
from ansinh.clinics.checks import (
    CardRow,
    CheckServices,
    Verdict,
    answered,
    failed,
    judge_card_code,
    retry_attempt,
    retry_key,
    staff_verdict,
    with_replacement,
)
from ansinh.clinics.models import CardCheck, CheckMethod
from ansinh.clinics.recorder import ScanRecord
from ansinh.core.statements import KeyedRead, Statements
from ansinh.core.store import SharedStore
from ansinh.core.time import VN_TZ
from ansinh.facilities.models import MedicalFacility
from ansinh.gateway.service import GatewaySession
from ansinh.identity.models import DatePrecision
from ansinh.records.models import MedicalVisit

MAX_CARD_CODE = 15
MAX_NAME = 120
HISTORY_LIMIT = 100
_DAY_MONTH_YEAR = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_YEAR = re.compile(r"[0-9]{4}")
_CITIZEN_ID = re.compile(r"[0-9]{12}")
SEX_TEXT = {"M": "Nam", "F": "Nữ"}
_ENCODE = msgspec.json.Encoder().encode
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


# f-strings rather than strftime: the cheaper of the two, on the path of every check.
def day_text(day: date | None) -> str:
    """``dd/mm/yyyy``, or empty."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}" if day else ""


def birth_text(person: Any) -> str:
    """The birth date as the gateway writes it: ``dd/mm/yyyy``, or ``yyyy`` when only the year is on record."""
    if person.birth_date_precision == DatePrecision.YEAR:
        return f"{person.date_of_birth.year:04d}"
    return day_text(person.date_of_birth)


def _office(row: CardRow) -> str:
    """``cqBHXH``: the social-security office of the card's province (its 15-character code's, else the holder's)."""
    card, person, _ = row
    return issuing_office(card.legacy_code[3:5] if card.legacy_code else person.province_code)


def note(result: CheckResult, row: CardRow | None) -> str:
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


def _holder_fields(found: CardRow, new: CardRow | None) -> dict[str, Any]:
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
        "maKV": card.living_area or "",
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


# --- the holder's answer: hot statements (core/statements.py), prepared once, each one round trip --------------

_CARD = HealthInsuranceCard.__table__  # type: ignore[attr-defined]
_VISIT = MedicalVisit.__table__  # type: ignore[attr-defined]
_CHECK = CardCheck.__table__  # type: ignore[attr-defined]
_VISIT_FACILITY = MedicalFacility.__table__.alias("visit_facility")  # type: ignore[attr-defined]


def _minute_sql(moment: Any, day: Any = None) -> Any:
    """SQL for ``yyyyMMddHHmm`` in Vietnam wall-clock time (a date alone at 00:00), or empty."""
    local = func.to_char(func.timezone(VN_TZ.key, moment), "YYYYMMDDHH24MI", type_=Text)
    by_day = [func.to_char(day, "YYYYMMDD", type_=Text).concat("0000")] if day is not None else []
    return func.coalesce(local, *by_day, "")


def _json_array(rows: Any, item: Any, *order: Any) -> Any:
    """SQL for ``rows`` as one JSON array (as text) of ``item`` in ``order``; ``[]`` when there are none."""
    items = func.json_agg(aggregate_order_by(item, *order), type_=Text)
    return select(cast(func.coalesce(items, text("'[]'::json")), Text)).select_from(rows).scalar_subquery()


# The holder's visits, newest first (ix_medical_visit_person_admission), as dsLichSuKCB2018 lists them.
_RECENT_VISITS = (
    select(
        _VISIT.c.id,
        _VISIT_FACILITY.c.code.label("facility_code"),
        _VISIT.c.admitted_at,
        _VISIT.c.admission_date,
        _VISIT.c.discharged_at,
        _VISIT.c.discharge_date,
        _VISIT.c.icd10_name,
        _VISIT.c.discharge_type,
        _VISIT.c.treatment_result,
        _VISIT.c.admission_reason,
    )
    .join(_VISIT_FACILITY, _VISIT_FACILITY.c.id == _VISIT.c.facility_id)
    .where(_VISIT.c.person_id == _CARD.c.person_id)
    .order_by(_VISIT.c.admission_date.desc(), _VISIT.c.id.desc())
    .limit(HISTORY_LIMIT)
    .correlate(_CARD)
    .lateral("recent_visit")
)
_V = _RECENT_VISITS.c
_VISITS_JSON = _json_array(
    _RECENT_VISITS,
    func.json_build_object(
        text("'maHoSo'"), cast(_V.id, Text),
        text("'maCSKCB'"), _V.facility_code,
        text("'ngayVao'"), _minute_sql(_V.admitted_at, _V.admission_date),
        text("'ngayRa'"), _minute_sql(_V.discharged_at, _V.discharge_date),
        text("'tenBenh'"), func.coalesce(_V.icd10_name, ""),
        text("'tinhTrang'"), func.coalesce(_V.discharge_type, ""),
        text("'kqDieuTri'"), func.coalesce(_V.treatment_result, ""),
        text("'lyDoVV'"), func.coalesce(_V.admission_reason, ""),
    ),
    _V.admission_date.desc(),
    _V.id.desc(),
)  # fmt: skip
# Every facility's earlier checks of the card, newest first (ix_card_check_card_time): [account, time, result].
_EARLIER = (
    select(_CHECK.c.id, _CHECK.c.client_id, _CHECK.c.checked_at, _CHECK.c.result)
    .where(_CHECK.c.card_id == _CARD.c.id)
    .order_by(_CHECK.c.checked_at.desc(), _CHECK.c.id.desc())
    .limit(HISTORY_LIMIT)
    .correlate(_CARD)
    .lateral("earlier_check")
)
_E = _EARLIER.c
_CHECKS_JSON = _json_array(
    _EARLIER,
    func.json_build_array(_E.client_id, _minute_sql(_E.checked_at), _E.result),
    _E.checked_at.desc(),
    _E.id.desc(),
)
# The holder's visits and the card's check log, by card, written by PostgreSQL as the answer writes them (the card,
# holder and facility came with the check's own read); concurrent checks' reads share one statement.
_HISTORY = KeyedRead(
    select(_CARD.c.id.label("card_id"), _VISITS_JSON.label("visits"), _CHECKS_JSON.label("checks")),
    _CARD.c.id,
    key_label="card_id",
)


async def _holder_answer(statements: Statements, verdict: Verdict) -> dict[str, Any]:
    """The holder's fields, ``ghiChu``, visits and check log (the holder matched)."""
    assert verdict.found is not None
    found = verdict.found
    row = await statements.keyed(_HISTORY, found[0].id)
    assert row is not None  # the card was just found by the check's own read; cards are never deleted
    return {
        **_holder_fields(found, verdict.replacement),
        "ghiChu": note(verdict.result, found),
        "dsLichSuKCB2018": msgspec.Raw(row["visits"].encode()),
        "dsLichSuKT2018": _earlier_checks(_decode_checks(row["checks"]), found),
    }


_decode_checks = msgspec.json.Decoder(list[tuple[str, str, str]]).decode


def _earlier_checks(checks: list[tuple[str, str, str]], checked: CardRow) -> list[dict[str, str]]:
    """The card's earlier checks as ``dsLichSuKT2018`` lists them: the facility's account, never the staff member;
    ``thongBao`` the ``ghiChu`` that check answered (spec section 2), written from the card and holder as they are now
    (a check's record keeps its code, not its sentence)."""
    # A hundred checks carry a handful of distinct results: each sentence is written once.
    notes = {result: note(CheckResult(result), checked) for result in {result for _, _, result in checks}}
    return [
        {"userKT": account, "thoiGianKT": moment, "thongBao": notes[result], "maLoi": result}
        for account, moment, result in checks
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
    statements: Statements,
    services: CheckServices,
    store: SharedStore,
    *,
    session: GatewaySession,
    query: CardQuery,
    now: datetime,
) -> bytes:
    """Judge the check in the spec's order (staff, card code, no card, holder, card state), record it, answer it (as
    JSON). An identical check within the retry window is a retry: the first attempt's answer, recorded once."""
    key = retry_key(
        session.facility_code,
        CheckMethod.GATEWAY.value,
        query.staff_name,
        query.staff_citizen_id,
        query.card_code,
        query.full_name,
        query.birth_date,
    )
    attempt = await retry_attempt(store, key)
    if attempt.earlier_answer is not None:
        return attempt.earlier_answer
    try:
        answer, verdict = await _judged(statements, services, session=session, query=query, now=now)
        if attempt.first:  # a retry whose first attempt has no answer yet is answered, never logged
            await _record(services, session=session, query=query, verdict=verdict, now=now)
    except BaseException:
        await failed(store, attempt)
        raise
    return await answered(store, attempt, _ENCODE(answer))  # encoded once: the caller's, and its retries'


async def _judged(
    statements: Statements, services: CheckServices, *, session: GatewaySession, query: CardQuery, now: datetime
) -> tuple[dict[str, Any], Verdict]:
    """The check's answer and verdict, nothing recorded."""
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
        )
        verdict = await with_replacement(statements, judged)
    answer = empty_answer(verdict.result, verdict.result.message_vi)
    if verdict.found is not None and verdict.result.holder_matched:
        answer |= await _holder_answer(statements, verdict)
    return answer, verdict


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

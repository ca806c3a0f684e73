"""The demo-data generator: personas, dates that follow the seed's day, determinism, idempotency, statistics."""

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from tests.support import databases

from ansinh.cards.results import CheckResult, card_standing
from ansinh.core import time as vn_time
from ansinh.core.db import create_engine, session_factory
from ansinh.core.settings import Settings
from ansinh.core.time import VN_TZ, add_months, month_of
from ansinh.demo import personas as P
from ansinh.demo.dates import demo_dates
from ansinh.demo.generator import INSERT_ORDER, seed_demo
from ansinh.demo.reference import (
    BASE_SALARIES,
    EMPLOYEE_RATE_PERMILLE,
    EMPLOYER_RATE_PERMILLE,
    GROUP_LEVEL,
    REGIONAL_MINIMUM_WAGES,
    month_index,
    round_half_up,
    salary_cap_in,
)
from ansinh.identity.models import Person

PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$ZGVtby1zYWx0$ZGVtby1wYXNzd29yZC1oYXNo"
CLINIC_HASH = "$argon2id$v=19$m=65536,t=3,p=4$Y2xpbmljLXNhbHQ$Y2xpbmljLXNlY3JldC1oYXNo"
PEOPLE = 300
# Seed days: late in a year (the old fixed cards ran out on 31 December) and early in the next one.
DAYS = (date(2026, 12, 7), date(2027, 3, 15))
DAY = DAYS[0]


@asynccontextmanager
async def _fresh_database(suffix: str) -> AsyncIterator[AsyncEngine]:
    """An empty database of its own beside the tests' one, with the models' schema; dropped afterwards."""
    url = databases.POSTGRES_URL
    name = f"{make_url(url).database}_{suffix}"
    await databases.admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    engine = create_engine(
        Settings(env="dev", database_url=make_url(url).set(database=name).render_as_string(hide_password=False))
    )
    try:
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        yield engine
    finally:
        await engine.dispose()
        await databases.admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def fresh_engine() -> AsyncIterator[AsyncEngine]:
    """An empty database that no other test has touched (its statistics start blank)."""
    async with _fresh_database("demo_seed") as engine:
        yield engine


async def _rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    return {name: (await _rows(engine, f"SELECT count(*) FROM {name}"))[0][0] for name in INSERT_ORDER}


async def _check_personas(engine: AsyncEngine, today: date) -> None:
    """The documented facts of every persona on ``today``, as README and tests rely on them."""
    this_month = month_of(today)
    last_month = add_months(this_month, -1)
    people = {
        r.si_code: r
        for r in await _rows(engine, "SELECT id, si_code, citizen_id, full_name, date_of_birth, sex, email FROM person")
    }
    for persona in P.PERSONAS:
        row = people[persona.si_code]
        assert (row.citizen_id, row.full_name, row.sex, row.email, row.date_of_birth) == (
            persona.citizen_id,
            persona.full_name,
            persona.sex,
            persona.email,
            persona.date_of_birth,
        )
    assert len({p.citizen_id for p in P.PERSONAS}) == len({p.phone for p in P.PERSONAS}) == len(P.PERSONAS)

    # 0100000001: two employers, a gap, and the current one owes exactly the two months before this one.
    periods = await _rows(
        engine,
        "SELECT e.code, c.from_month, c.to_month, c.status, c.scheme, c.employer_amount, c.employee_amount, "
        "c.salary_base FROM contribution_period c JOIN employer e ON e.id = c.employer_id "
        "WHERE c.person_id = :pid ORDER BY c.from_month",
        pid=people[P.AN].id,
    )
    assert {p.code for p in periods} == {P.EMPLOYER_SONG_HONG, P.EMPLOYER_THANG_LONG}
    assert periods[0].from_month == "2013-03"
    assert [(p.from_month, p.to_month) for p in periods if p.status == "arrears"] == [
        (add_months(this_month, -2), last_month)
    ]
    assert (periods[-2].to_month, periods[-2].status) == (add_months(this_month, -3), "paid")
    assert periods[-1].code == P.EMPLOYER_THANG_LONG
    assert all(p.scheme == "compulsory" for p in periods)
    last = periods[-1]
    assert last.employer_amount == round_half_up(last.salary_base * 215, 1000) == 3_977_500
    assert last.employee_amount == round_half_up(last.salary_base * 105, 1000) == 1_942_500

    # Household of four headed by An, everyone consented or not needing to.
    members = await _rows(
        engine,
        "SELECT p.si_code, m.relation, m.enrolment_order, m.consent, h.head_person_id, h.code "
        "FROM household_member m JOIN household h ON h.id = m.household_id JOIN person p ON p.id = m.person_id "
        "WHERE h.code = :code ORDER BY m.enrolment_order",
        code="HGD" + P.AN,
    )
    assert [(m.si_code, m.relation, m.enrolment_order) for m in members] == [
        (P.AN, "head", 1),
        (P.LAN, "spouse", 2),
        (P.MINH, "child", 3),
        (P.HAN, "child", 4),
    ]
    assert [m.consent for m in members] == ["not_required", "given", "given", "not_required"]
    assert members[0].head_person_id == people[P.AN].id

    # 0100000002 has compulsory contributions of her own up to last month; her 2016 maternity stays in 2016.
    lan = await _rows(
        engine,
        "SELECT max(to_month), min(scheme) FROM contribution_period WHERE person_id = :pid",
        pid=people[P.LAN].id,
    )
    assert tuple(lan[0]) == (last_month, "compulsory")
    maternity = await _rows(
        engine, "SELECT type, period_from, amount FROM benefit WHERE person_id = :pid", pid=people[P.LAN].id
    )
    assert [tuple(m) for m in maternity] == [("maternity", date(2016, 2, 8), 44_300_000)]

    # 0100000005: a monthly pension in payment since 2021; contributions ended the month before it started.
    pension = await _rows(
        engine,
        "SELECT type, monthly, status, period_from, period_to, amount FROM benefit WHERE person_id = :pid",
        pid=people[P.HONG].id,
    )
    assert [tuple(b) for b in pension] == [("pension", True, "active", date(2021, 9, 1), None, 8_050_000)]
    hong = await _rows(
        engine,
        "SELECT max(to_month), count(DISTINCT employer_id) FROM contribution_period WHERE person_id = :pid",
        pid=people[P.HONG].id,
    )
    assert tuple(hong[0]) == ("2021-08", 2)

    # 0100000006: voluntary contributor up to last month, alone in a household.
    tuan = await _rows(
        engine,
        "SELECT scheme, employer_id, funds, employee_amount, employer_amount, salary_base, "
        "to_month FROM contribution_period WHERE person_id = :pid ORDER BY from_month",
        pid=people[P.TUAN].id,
    )
    assert (tuan[-1].scheme, tuan[-1].employer_id, tuan[-1].funds) == ("voluntary", None, "RS")
    assert tuan[-1].to_month == last_month
    assert tuan[-1].employer_amount == 0
    assert tuan[-1].employee_amount == tuan[-1].salary_base * 22 // 100
    alone = await _rows(
        engine,
        "SELECT count(*) FROM household_member m JOIN household h ON h.id = m.household_id WHERE h.code = :code",
        code="HGD" + P.TUAN,
    )
    assert alone[0][0] == 1

    # Cards: valid from 1 January this year to the end of next, so in force today and after New Year.
    cards = {
        r.number: r
        for r in await _rows(
            engine,
            "SELECT c.number, c.serial, c.beneficiary_group, c.benefit_level, c.legacy_code, "
            "c.valid_from, c.valid_to, c.status, f.code AS facility FROM health_insurance_card c "
            "JOIN medical_facility f ON f.id = c.primary_facility_id",
        )
    }
    for number, persona in enumerate(P.PERSONAS, start=1):
        card = cards[persona.si_code]
        assert (card.serial, card.beneficiary_group, card.benefit_level, card.facility, card.status) == (
            f"C{today.year % 100:02d}-{number:07d}",
            persona.card.group,
            persona.card.level,
            persona.card.facility_code,
            "active",
        )
        assert card.legacy_code == persona.legacy_code
        assert (card.valid_from, card.valid_to) == (date(today.year, 1, 1), date(today.year + 1, 12, 31))
        for day in (today, date(today.year + 1, 1, 1)):
            standing = card_standing(status=card.status, valid_from=card.valid_from, valid_to=card.valid_to, today=day)
            assert standing is CheckResult.VALID, (persona.si_code, day)
    assert cards[P.AN].legacy_code == "DN4010100000001"
    assert cards[P.HONG].beneficiary_group == "HT"

    # Recent events are recent: a Monday-to-Friday sick leave, and visits of the last five years, none ahead.
    sickness = await _rows(
        engine, "SELECT type, status, period_from, period_to FROM benefit WHERE person_id = :pid", pid=people[P.AN].id
    )
    assert [(s.type, s.status) for s in sickness] == [("sickness", "paid")]
    assert (sickness[0].period_from.weekday(), sickness[0].period_to.weekday()) == (0, 4)
    assert today - timedelta(days=700) < sickness[0].period_from < today - timedelta(days=600)
    visits = await _rows(
        engine,
        "SELECT v.admission_date, v.discharge_date, p.si_code FROM medical_visit v JOIN person p ON p.id = v.person_id "
        "WHERE p.si_code = ANY(:codes)",
        codes=list(P.PERSONA_BY_SI),
    )
    assert Counter(v.si_code for v in visits)[P.AN] == 4
    assert all(today - timedelta(days=5 * 365) < v.admission_date <= v.discharge_date < today for v in visits)
    assert max(v.admission_date for v in visits if v.si_code == P.AN) > today - timedelta(days=110)

    # Accounts: personas active with the given hash; the staff account; the clinic client of 01001.
    accounts = {
        r.username: r
        for r in await _rows(
            engine, "SELECT username, role, status, password_hash, person_id, display_name FROM account"
        )
    }
    for persona in P.PERSONAS:
        account = accounts[persona.si_code]
        assert (account.role, account.status, account.password_hash) == ("citizen", "active", PASSWORD_HASH)
        assert account.person_id == people[persona.si_code].id
    staff = accounts[P.STAFF_USERNAME]
    assert (staff.role, staff.status, staff.person_id, staff.display_name) == (
        "staff",
        "active",
        None,
        "Nguyễn Văn Quản",
    )
    assert staff.password_hash == PASSWORD_HASH
    clinic = await _rows(
        engine,
        "SELECT c.client_id, c.secret_hash, f.code FROM clinic_client c "
        "JOIN medical_facility f ON f.id = c.facility_id",
    )
    assert [tuple(c) for c in clinic] == [(P.CLINIC_CLIENT_ID, CLINIC_HASH, "01001")]
    bach_mai = await _rows(engine, "SELECT name, level FROM medical_facility WHERE code = '01001'")
    assert tuple(bach_mai[0]) == ("Bệnh viện Bạch Mai", "central")


async def _check_later_inserts(engine: AsyncEngine) -> None:
    """Explicit ids must not break ordinary inserts afterwards (the sequences were moved on)."""
    async with session_factory(engine)() as session:
        person = Person(
            si_code="0199999999",
            citizen_id="001099999999",
            full_name="Kiểm Tra",
            date_of_birth=date(1999, 1, 1),
            sex="M",
            province_code="01",
        )
        session.add(person)
        await session.commit()
        assert person.id is not None
        assert person.id > PEOPLE


async def _check_invariants(engine: AsyncEngine, today: date) -> None:
    """Rules the CHECK constraints cannot express, judged on the seed's day."""
    last_month = add_months(month_of(today), -1)
    seeded_at = datetime(today.year, today.month, today.day, tzinfo=VN_TZ)
    # Reference tables are DESIGN.md's rows.
    salaries = await _rows(engine, "SELECT effective_from, amount FROM base_salary ORDER BY effective_from")
    assert [tuple(s) for s in salaries] == [(d, a) for d, a, _ in BASE_SALARIES]
    wages = await _rows(engine, "SELECT count(*) FROM regional_minimum_wage")
    assert wages[0][0] == 4 * len(REGIONAL_MINIMUM_WAGES)

    # IDs: SI code starts with the province; the citizen ID encodes century+sex and the birth year.
    people = await _rows(
        engine, "SELECT si_code, citizen_id, date_of_birth, birth_date_precision, sex, province_code, phone FROM person"
    )
    assert len(people) == PEOPLE
    for p in people:
        born = p.date_of_birth
        assert p.si_code[:2] == p.province_code
        century_sex = int(p.citizen_id[3])
        assert century_sex == (0 if p.sex == "M" else 1) + (2 if born.year >= 2000 else 0)
        assert p.citizen_id[0] == "0"
        assert p.citizen_id[4:6] == f"{born.year % 100:02d}"
        assert date(1940, 1, 1) <= born < date(today.year, 1, 1)
        if p.birth_date_precision == "year":
            assert (born.month, born.day) == (1, 1)
        assert p.phone is None or (len(p.phone) == 10 and p.phone.startswith("0") and p.phone.isdigit())

    # Contributions: nothing after last month, the cap, the amounts.
    periods = await _rows(
        engine,
        "SELECT from_month, to_month, scheme, salary_base, employer_amount, employee_amount, "
        "funds FROM contribution_period",
    )
    assert periods
    assert max(c.to_month for c in periods) == last_month
    for c in periods:
        year, month = map(int, c.from_month.split("-"))
        assert 0 < c.salary_base <= salary_cap_in(month_index(year, month)), c  # the cap only rises over time
        if c.scheme == "compulsory":
            assert c.funds == "RS,SM,OA,UI,HI"
            assert c.employer_amount == round_half_up(c.salary_base * EMPLOYER_RATE_PERMILLE, 1000)
            assert c.employee_amount == round_half_up(c.salary_base * EMPLOYEE_RATE_PERMILLE, 1000)
        else:
            assert (c.funds, c.employer_amount) == ("RS", 0)
            assert c.salary_base >= 1_500_000
    in_force = await _rows(
        engine,
        "SELECT c.salary_base, b.amount FROM contribution_period c JOIN base_salary b "
        "ON b.effective_from = (SELECT max(effective_from) FROM base_salary "
        "WHERE effective_from <= CAST(c.from_month || '-01' AS date))",
    )
    assert in_force
    assert all(salary <= 20 * base for salary, base in in_force)

    # Cards: at most one non-revoked card per number; group and level agree; the legacy code is consistent;
    # almost every live card is in force today (the few others: not renewed, or suspended).
    cards = await _rows(
        engine,
        "SELECT c.number, c.status, c.beneficiary_group, c.benefit_level, c.legacy_code, c.valid_from, c.valid_to, "
        "c.issued_at, c.revoked_at, p.province_code FROM health_insurance_card c JOIN person p ON p.id = c.person_id",
    )
    live = [c for c in cards if c.status not in ("replaced", "withdrawn")]
    assert max(Counter(c.number for c in live).values()) == 1
    assert len(live) >= 0.95 * PEOPLE  # almost everyone is covered
    standing = Counter(
        card_standing(status=c.status, valid_from=c.valid_from, valid_to=c.valid_to, today=today) for c in live
    )
    assert standing[CheckResult.VALID] >= 0.9 * len(live)
    assert set(standing) <= {CheckResult.VALID, CheckResult.CARD_EXPIRED, CheckResult.CARD_SUSPENDED}
    for c in cards:
        assert c.benefit_level == GROUP_LEVEL[c.beneficiary_group]
        assert c.legacy_code == f"{c.beneficiary_group}{c.benefit_level}{c.province_code}{c.number}"
        assert c.revoked_at is None or c.issued_at <= c.revoked_at <= seeded_at

    # Households: orders 1..n, the head first with "head", children need no consent.
    members = await _rows(
        engine,
        "SELECT m.household_id, m.enrolment_order, m.relation, m.consent, m.person_id, "
        "h.head_person_id FROM household_member m JOIN household h ON h.id = m.household_id",
    )
    by_household: dict[int, list[Any]] = defaultdict(list)
    for m in members:
        by_household[m.household_id].append(m)
    for rows in by_household.values():
        assert sorted(m.enrolment_order for m in rows) == list(range(1, len(rows) + 1))
        assert 1 <= len(rows) <= 7
        head = next(m for m in rows if m.enrolment_order == 1)
        assert (head.relation, head.consent, head.person_id) == ("head", "not_required", head.head_person_id)
        assert all(
            m.relation != "head" and m.consent in ("given", "pending", "not_required")
            for m in rows
            if m.enrolment_order > 1
        )

    # Visits: the split adds up (a CHECK too) and stays within the last five years, up to today.
    visits = await _rows(
        engine,
        "SELECT admission_date, discharge_date, visit_type, total_cost, hi_paid, patient_paid FROM medical_visit",
    )
    five_years_ago = today.replace(year=today.year - 5)
    for v in visits:
        assert v.hi_paid + v.patient_paid == v.total_cost
        assert five_years_ago < v.admission_date <= v.discharge_date <= today
        if v.visit_type == "inpatient":
            assert v.discharge_date > v.admission_date

    # Generated accounts wait for activation.
    pending = await _rows(engine, "SELECT count(*) FROM account WHERE status = 'pending' AND password_hash IS NOT NULL")
    assert pending[0][0] == 0


@pytest.mark.parametrize("today", DAYS, ids=str)
async def test_the_demo_follows_the_day_it_is_seeded(engine: AsyncEngine, today: date) -> None:
    """On the shared fixture's Alembic-migrated database."""
    report = await seed_demo(
        engine, people=PEOPLE, today=today, password_hash=PASSWORD_HASH, clinic_secret_hash=CLINIC_HASH
    )
    assert not report.skipped
    assert report.counts["person"] == PEOPLE
    await _check_personas(engine, today)
    await _check_invariants(engine, today)
    await _check_later_inserts(engine)


async def test_without_a_day_the_seed_takes_vietnams_today(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 00:30 on 1 January 2027 in Hà Nội is still 31 December 2026 in UTC.
    monkeypatch.setattr(vn_time, "utcnow", lambda: datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
    await seed_demo(engine, people=0)
    card = await _rows(engine, "SELECT valid_from, valid_to FROM health_insurance_card WHERE number = :n", n=P.AN)
    assert tuple(card[0]) == (date(2027, 1, 1), date(2028, 12, 31))
    owed = await _rows(engine, "SELECT from_month, to_month FROM contribution_period WHERE status = 'arrears'")
    assert [tuple(o) for o in owed] == [("2026-11", "2026-12")]


def test_recent_persona_events_move_by_whole_weeks_and_history_stays() -> None:
    on_reference_day = P.persona_records(demo_dates(P.REFERENCE_DAY))
    later = P.persona_records(demo_dates(date(2027, 3, 15)))  # 120 days on: 17 weeks
    an_then, an_later = on_reference_day[P.AN], later[P.AN]
    assert [(p.from_month, p.to_month) for p in an_then.periods if p.status == "arrears"] == [("2026-09", "2026-10")]
    assert [(p.from_month, p.to_month) for p in an_later.periods if p.status == "arrears"] == [("2027-01", "2027-02")]
    assert an_then.visits[-1].admission == date(2026, 8, 14)
    assert an_later.visits[-1].admission == date(2026, 8, 14) + timedelta(weeks=17)
    assert an_later.benefits[0].period_from == date(2025, 3, 3) + timedelta(weeks=17)
    assert later[P.LAN].benefits == on_reference_day[P.LAN].benefits  # the 2016 maternity
    assert later[P.HONG].benefits == on_reference_day[P.HONG].benefits  # the 2021 pension
    assert later[P.HONG].periods == on_reference_day[P.HONG].periods
    with pytest.raises(ValueError, match="from 2026-01-01 on"):
        demo_dates(date(2025, 12, 31))


async def test_seeding_analyses_every_table_it_filled(fresh_engine: AsyncEngine) -> None:
    """Bulk-loaded tables get planner statistics at once, whether or not autovacuum runs."""
    statistics = (
        "SELECT s.relname, s.last_analyze, c.reltuples FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
    )
    before = {r.relname: r for r in await _rows(fresh_engine, statistics)}
    assert all(before[name].last_analyze is None for name in INSERT_ORDER)
    report = await seed_demo(
        fresh_engine,
        people=PEOPLE,
        today=DAY,
        password_hash=PASSWORD_HASH,
        clinic_secret_hash=CLINIC_HASH,
        employer_secret_hash=CLINIC_HASH,
    )
    assert all(report.counts[name] for name in INSERT_ORDER)
    after = {r.relname: r for r in await _rows(fresh_engine, statistics)}
    for name in INSERT_ORDER:
        assert after[name].last_analyze is not None, name
        assert after[name].reltuples == report.counts[name], name  # small tables are read whole
    columns = await _rows(fresh_engine, "SELECT count(*) FROM pg_stats WHERE tablename = 'contribution_period'")
    assert columns[0][0] > 0


async def _seed_twice_at_once(engine: AsyncEngine) -> None:
    """Two processes starting together (two engines, two connections): exactly one seeds."""
    other = create_engine(Settings(env="dev", database_url=engine.url.render_as_string(hide_password=False)))
    try:
        reports = await asyncio.gather(
            *(
                seed_demo(target, people=PEOPLE, today=DAY, password_hash=PASSWORD_HASH, clinic_secret_hash=CLINIC_HASH)
                for target in (engine, other)
            )
        )
    finally:
        await other.dispose()
    assert sorted(r.skipped for r in reports) == [False, True]
    seeded = next(r for r in reports if not r.skipped)
    assert await _counts(engine) == seeded.counts


async def test_concurrent_runs_seed_once(fresh_engine: AsyncEngine) -> None:
    await _seed_twice_at_once(fresh_engine)
    await _check_personas(fresh_engine, DAY)
    await _check_invariants(fresh_engine, DAY)
    await _check_later_inserts(fresh_engine)


async def test_same_seed_and_day_same_data() -> None:
    async with (
        _fresh_database("demo_a") as first,
        _fresh_database("demo_b") as second,
        _fresh_database("demo_c") as other,
    ):
        for target in (first, second):
            await seed_demo(target, people=PEOPLE, seed=7, today=DAY)
        await seed_demo(other, people=PEOPLE, seed=8, today=DAY)
        for name in INSERT_ORDER:
            sql = f"SELECT * FROM {name} ORDER BY id"
            assert await _rows(first, sql) == await _rows(second, sql), name
        people_sql = "SELECT * FROM person ORDER BY id"
        assert await _rows(first, people_sql) != await _rows(other, people_sql)


async def test_second_run_is_skipped(engine: AsyncEngine) -> None:
    first = await seed_demo(engine, people=PEOPLE, today=DAY)
    before = await _counts(engine)
    assert before == first.counts
    second = await seed_demo(engine, people=PEOPLE, seed=99, today=DAYS[1])
    assert second.skipped
    assert second.total == 0
    assert await _counts(engine) == before


async def test_without_hashes_accounts_stay_pending(engine: AsyncEngine) -> None:
    report = await seed_demo(engine, people=50, today=DAY)
    assert report.counts["clinic_client"] == 0
    assert report.counts["person"] == 50
    rows = await _rows(engine, "SELECT status, count(*), count(password_hash) FROM account GROUP BY status")
    assert [tuple(r) for r in rows] == [("pending", report.counts["account"], 0)]

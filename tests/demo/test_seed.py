"""The demo-data generator: personas, determinism, idempotency and the invariants the app relies on."""

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from tests.support import databases

from ansinh.core.db import create_engine, session_factory
from ansinh.core.settings import Settings
from ansinh.demo import personas as P
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


async def _fresh_engine(url: str) -> AsyncEngine:
    """An engine on an empty schema (create_all for now; the shared fixtures will move to Alembic)."""
    engine = create_engine(Settings(env="dev", database_url=url))
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    return engine


@pytest.fixture
async def sqlite_engine(tmp_path: Any) -> AsyncIterator[AsyncEngine]:
    """A fresh SQLite database file."""
    engine = await _fresh_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    yield engine
    await engine.dispose()


@pytest.fixture(params=databases.BACKENDS)
async def fresh_engine(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[AsyncEngine]:
    """An empty database of its own: a SQLite file, and PostgreSQL beside TEST_DATABASE_URL's when set."""
    if request.param == "sqlite":
        engine = await _fresh_engine(f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
        yield engine
        await engine.dispose()
        return
    url = databases.POSTGRES_URL or ""
    name = f"{make_url(url).database}_demo_seed"
    await databases.admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    engine = await _fresh_engine(make_url(url).set(database=name).render_as_string(hide_password=False))
    yield engine
    await engine.dispose()
    await databases.admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    return {name: (await _rows(engine, f"SELECT count(*) FROM {name}"))[0][0] for name in INSERT_ORDER}


async def _check_personas(engine: AsyncEngine) -> None:
    """The documented facts of every persona, as README and tests rely on them."""
    people = {
        r.si_code: r
        for r in await _rows(engine, "SELECT id, si_code, citizen_id, full_name, date_of_birth, sex, email FROM person")
    }
    for persona in P.PERSONAS:
        row = people[persona.si_code]
        assert (row.citizen_id, row.full_name, row.sex, row.email) == (
            persona.citizen_id,
            persona.full_name,
            persona.sex,
            persona.email,
        )
        assert str(row.date_of_birth) == persona.date_of_birth.isoformat()
    assert len({p.citizen_id for p in P.PERSONAS}) == len({p.phone for p in P.PERSONAS}) == len(P.PERSONAS)

    # 0100000001: two employers, a gap, arrears in September-October 2026 at the current one.
    periods = await _rows(
        engine,
        "SELECT e.code, c.from_month, c.to_month, c.status, c.scheme, c.employer_amount, c.employee_amount, "
        "c.salary_base FROM contribution_period c JOIN employer e ON e.id = c.employer_id "
        "WHERE c.person_id = :pid ORDER BY c.from_month",
        pid=people[P.AN].id,
    )
    assert {p.code for p in periods} == {P.EMPLOYER_SONG_HONG, P.EMPLOYER_THANG_LONG}
    assert periods[0].from_month == "2013-03"
    assert periods[-1].to_month == "2026-10"
    assert [(p.from_month, p.to_month) for p in periods if p.status == "arrears"] == [("2026-09", "2026-10")]
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

    # 0100000002 has compulsory contributions of her own up to now (covered by her employer).
    lan = await _rows(
        engine,
        "SELECT max(to_month), min(scheme) FROM contribution_period WHERE person_id = :pid",
        pid=people[P.LAN].id,
    )
    assert lan[0] == ("2026-10", "compulsory")

    # 0100000005: a monthly pension in payment; contributions ended the month before it started.
    pension = await _rows(
        engine,
        "SELECT type, monthly, status, period_from, period_to, amount FROM benefit WHERE person_id = :pid",
        pid=people[P.HONG].id,
    )
    assert len(pension) == 1
    assert (pension[0].type, bool(pension[0].monthly), pension[0].status) == ("pension", True, "active")
    assert str(pension[0].period_from) == "2021-09-01"
    assert pension[0].period_to is None
    assert pension[0].amount == 8_050_000
    hong = await _rows(
        engine,
        "SELECT max(to_month), count(DISTINCT employer_id) FROM contribution_period WHERE person_id = :pid",
        pid=people[P.HONG].id,
    )
    assert hong[0] == ("2021-08", 2)

    # 0100000006: voluntary contributor now, alone in a household.
    tuan = await _rows(
        engine,
        "SELECT scheme, employer_id, funds, employee_amount, employer_amount, salary_base, "
        "to_month FROM contribution_period WHERE person_id = :pid ORDER BY from_month",
        pid=people[P.TUAN].id,
    )
    assert tuan[-1].scheme == "voluntary"
    assert tuan[-1].employer_id is None
    assert tuan[-1].funds == "RS"
    assert tuan[-1].to_month == "2026-10"
    assert tuan[-1].employer_amount == 0
    assert tuan[-1].employee_amount == tuan[-1].salary_base * 22 // 100
    alone = await _rows(
        engine,
        "SELECT count(*) FROM household_member m JOIN household h ON h.id = m.household_id WHERE h.code = :code",
        code="HGD" + P.TUAN,
    )
    assert alone[0][0] == 1

    # Cards, sickness benefit and visits of the personas.
    cards = {
        r.number: r
        for r in await _rows(
            engine,
            "SELECT c.number, c.serial, c.beneficiary_group, c.benefit_level, c.legacy_code, "
            "c.valid_from, c.valid_to, c.status, f.code AS facility FROM health_insurance_card c "
            "JOIN medical_facility f ON f.id = c.primary_facility_id",
        )
    }
    for persona in P.PERSONAS:
        card = cards[persona.si_code]
        assert (card.serial, card.beneficiary_group, card.benefit_level, card.facility, card.status) == (
            persona.card.serial,
            persona.card.group,
            persona.card.level,
            persona.card.facility_code,
            "active",
        )
        assert card.legacy_code == persona.legacy_code
    an_card = cards[P.AN]
    assert (an_card.legacy_code, str(an_card.valid_from), str(an_card.valid_to)) == (
        "DN4010100000001",
        "2026-01-01",
        "2026-12-31",
    )
    assert cards[P.HONG].beneficiary_group == "HT"
    sickness = await _rows(engine, "SELECT type, status FROM benefit WHERE person_id = :pid", pid=people[P.AN].id)
    assert [tuple(s) for s in sickness] == [("sickness", "paid")]
    visits = await _rows(engine, "SELECT count(*) FROM medical_visit WHERE person_id = :pid", pid=people[P.AN].id)
    assert visits[0][0] == 4

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
    """Explicit ids must not break ordinary inserts afterwards (PostgreSQL sequences were moved on)."""
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


async def test_personas_sqlite(sqlite_engine: AsyncEngine) -> None:
    report = await seed_demo(sqlite_engine, people=PEOPLE, password_hash=PASSWORD_HASH, clinic_secret_hash=CLINIC_HASH)
    assert not report.skipped
    assert report.counts["person"] == PEOPLE
    await _check_personas(sqlite_engine)
    await _check_later_inserts(sqlite_engine)


async def _seed_twice_at_once(engine: AsyncEngine) -> None:
    """Two processes starting together (two engines, two connections): exactly one seeds."""
    other = create_engine(Settings(env="dev", database_url=engine.url.render_as_string(hide_password=False)))
    try:
        reports = await asyncio.gather(
            *(
                seed_demo(target, people=PEOPLE, password_hash=PASSWORD_HASH, clinic_secret_hash=CLINIC_HASH)
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
    await _check_personas(fresh_engine)
    await _check_invariants(fresh_engine)
    await _check_later_inserts(fresh_engine)


async def test_seed_on_migrated_schema(engine: AsyncEngine) -> None:
    """The shared fixture's Alembic-migrated database (SQLite, and PostgreSQL when configured)."""
    await seed_demo(engine, people=PEOPLE, password_hash=PASSWORD_HASH, clinic_secret_hash=CLINIC_HASH)
    await _check_personas(engine)
    await _check_later_inserts(engine)


async def test_same_seed_same_data(tmp_path: Any) -> None:
    first = await _fresh_engine(f"sqlite+aiosqlite:///{tmp_path}/a.db")
    second = await _fresh_engine(f"sqlite+aiosqlite:///{tmp_path}/b.db")
    other = await _fresh_engine(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    try:
        for target in (first, second):
            await seed_demo(target, people=PEOPLE, seed=7)
        await seed_demo(other, people=PEOPLE, seed=8)
        for name in INSERT_ORDER:
            sql = f"SELECT * FROM {name} ORDER BY id"
            assert await _rows(first, sql) == await _rows(second, sql), name
        people_sql = "SELECT * FROM person ORDER BY id"
        assert await _rows(first, people_sql) != await _rows(other, people_sql)
    finally:
        for target in (first, second, other):
            await target.dispose()


async def test_second_run_is_skipped(sqlite_engine: AsyncEngine) -> None:
    first = await seed_demo(sqlite_engine, people=PEOPLE)
    before = await _counts(sqlite_engine)
    assert before == first.counts
    second = await seed_demo(sqlite_engine, people=PEOPLE, seed=99)
    assert second.skipped
    assert second.total == 0
    assert await _counts(sqlite_engine) == before


async def test_without_hashes_accounts_stay_pending(sqlite_engine: AsyncEngine) -> None:
    report = await seed_demo(sqlite_engine, people=50)
    assert report.counts["clinic_client"] == 0
    assert report.counts["person"] == 50
    rows = await _rows(sqlite_engine, "SELECT status, count(*), count(password_hash) FROM account GROUP BY status")
    assert [tuple(r) for r in rows] == [("pending", report.counts["account"], 0)]


async def _check_invariants(engine: AsyncEngine) -> None:
    """Rules the CHECK constraints cannot express."""
    # Reference tables are DESIGN.md's rows.
    salaries = await _rows(engine, "SELECT effective_from, amount FROM base_salary ORDER BY effective_from")
    assert [(str(d), a) for d, a in salaries] == [(d.isoformat(), a) for d, a, _ in BASE_SALARIES]
    wages = await _rows(engine, "SELECT count(*) FROM regional_minimum_wage")
    assert wages[0][0] == 4 * len(REGIONAL_MINIMUM_WAGES)

    # IDs: SI code starts with the province; the citizen ID encodes century+sex and the birth year.
    people = await _rows(
        engine, "SELECT si_code, citizen_id, date_of_birth, birth_date_precision, sex, province_code, phone FROM person"
    )
    assert len(people) == PEOPLE
    for p in people:
        born = date.fromisoformat(str(p.date_of_birth))
        assert p.si_code[:2] == p.province_code
        century_sex = int(p.citizen_id[3])
        assert century_sex == (0 if p.sex == "M" else 1) + (2 if born.year >= 2000 else 0)
        assert p.citizen_id[0] == "0"
        assert p.citizen_id[4:6] == f"{born.year % 100:02d}"
        assert date(1940, 1, 1) <= born <= date(2025, 12, 31)
        if p.birth_date_precision == "year":
            assert (born.month, born.day) == (1, 1)
        assert p.phone is None or (len(p.phone) == 10 and p.phone.startswith("0") and p.phone.isdigit())

    # Contributions: cap, amounts, months.
    periods = await _rows(
        engine,
        "SELECT from_month, to_month, scheme, salary_base, employer_amount, employee_amount, "
        "funds FROM contribution_period",
    )
    assert periods
    for c in periods:
        assert c.to_month <= "2026-11"
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
        "WHERE CAST(effective_from AS TEXT) <= c.from_month || '-01')",
    )
    assert in_force
    assert all(salary <= 20 * base for salary, base in in_force)

    # Cards: at most one non-revoked card per number; group and level agree; the legacy code is consistent.
    cards = await _rows(
        engine,
        "SELECT c.number, c.status, c.beneficiary_group, c.benefit_level, c.legacy_code, "
        "p.province_code FROM health_insurance_card c JOIN person p ON p.id = c.person_id",
    )
    live = Counter(c.number for c in cards if c.status != "revoked")
    assert max(live.values()) == 1
    assert len(live) >= 0.95 * PEOPLE  # almost everyone is covered
    for c in cards:
        assert c.benefit_level == GROUP_LEVEL[c.beneficiary_group]
        assert c.legacy_code == f"{c.beneficiary_group}{c.benefit_level}{c.province_code}{c.number}"

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

    # Visits: the split adds up (a CHECK too) and stays within the last five years.
    visits = await _rows(
        engine,
        "SELECT admission_date, discharge_date, visit_type, total_cost, hi_paid, patient_paid FROM medical_visit",
    )
    for v in visits:
        assert v.hi_paid + v.patient_paid == v.total_cost
        assert "2021-11-15" < str(v.admission_date) <= str(v.discharge_date) <= "2026-11-15"
        if v.visit_type == "inpatient":
            assert str(v.discharge_date) > str(v.admission_date)

    # Generated accounts wait for activation.
    pending = await _rows(engine, "SELECT count(*) FROM account WHERE status = 'pending' AND password_hash IS NOT NULL")
    assert pending[0][0] == 0


async def test_invariants(sqlite_engine: AsyncEngine) -> None:
    await seed_demo(sqlite_engine, people=PEOPLE, password_hash=PASSWORD_HASH, clinic_secret_hash=CLINIC_HASH)
    await _check_invariants(sqlite_engine)

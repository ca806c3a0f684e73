"""Deterministic synthetic demo data, written with PostgreSQL COPY.

Everything is generated in Python (ids included, so children reference parents without round trips) from
one ``random.Random(seed)`` and the seed's day (``demo_dates``), and written in a single transaction: a failed or
concurrent run leaves nothing half-seeded, and the persona marker appears only with the complete data set.
"""

import hashlib
import logging
import random
import time
import zlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate, pairwise
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

from ansinh.core import registry  # noqa: F401  (every table is known to SQLModel.metadata)
from ansinh.core.passwords import hash_password_sync
from ansinh.core.time import today_vn
from ansinh.demo import names
from ansinh.demo.dates import DemoDates, demo_dates, local_midnight, shift_years
from ansinh.demo.names import DIAGNOSES, FACILITIES, PROVINCES, Diagnosis, Province
from ansinh.demo.personas import (
    AN,
    CLINIC_CLIENT_ID,
    CLINIC_FACILITY_CODE,
    CLINIC_SECRET,
    EMPLOYER_CLIENT_ID,
    FACILITY_ADMIN_DISPLAY_NAME,
    FACILITY_ADMIN_USERNAME,
    GATEWAY_USERNAME,
    HR_DISPLAY_NAME,
    HR_EMAIL,
    HR_EMPLOYER,
    HR_USERNAME,
    PERSONA_EMPLOYERS,
    PERSONA_HOUSEHOLDS,
    PERSONAS,
    REGISTERED_STAFF,
    STAFF_DISPLAY_NAME,
    STAFF_USERNAME,
    persona_records,
)
from ansinh.demo.reference import (
    BASE_SALARIES,
    COMPULSORY_FUNDS,
    EMPLOYEE_RATE_PERMILLE,
    EMPLOYER_RATE_PERMILLE,
    GROUP_LEVEL,
    LEVEL_COVER_PERCENT,
    REGIONAL_MINIMUM_WAGES,
    REGIONS,
    VOLUNTARY_FUNDS,
    VOLUNTARY_RATE_PERMILLE,
    base_salary_in,
    minimum_wage_in,
    month_index,
    month_start,
    month_text,
    pension_rate_percent,
    retirement_month,
    round_half_up,
    salary_cap_in,
)
from ansinh.employers import rules as ledger

logger = logging.getLogger(__name__)

FIRST_RECORD = month_index(1976, 1)  # older service is not in the records
FIRST_BIRTH = date(1940, 1, 1)

BATCH_ROWS = 5_000  # rows per COPY
CHUNK_PEOPLE = 5_000  # generated people held in memory before their rows are written

# Tables with an integer id the generator assigns; PostgreSQL sequences are moved past them afterwards.
ID_TABLES: tuple[str, ...] = (
    "medical_facility",
    "employer",
    "person",
    "household",
    "household_member",
    "contribution_period",
    "benefit",
    "health_insurance_card",
    "medical_visit",
    "medical_visit_line",
    "account",
    "clinic_client",
    "facility_staff",
    "facility_admin",
    "gateway_account",
    "employer_client",
    "employer_membership",
    "declaration_batch",
    "declaration",
    "employer_due",
)
# Parents before children, so foreign keys hold at every statement.
INSERT_ORDER: tuple[str, ...] = (
    "base_salary",
    "regional_minimum_wage",
    "medical_facility",
    "employer",
    "person",
    "household",
    "household_member",
    "contribution_period",
    "benefit",
    "health_insurance_card",
    "medical_visit",
    "medical_visit_line",
    "account",
    "clinic_client",
    "facility_staff",
    "facility_admin",
    "gateway_account",
    "employer_client",
    "employer_membership",
    "declaration_batch",
    "declaration",
    "employer_due",
)


def _gateway_hash(clinic_secret_hash: str | None) -> str | None:
    """The demo gateway account's stored hash (dev only, with the clinic secret): Argon2 of the secret's MD5 hex."""
    if clinic_secret_hash is None:
        return None
    return hash_password_sync(hashlib.md5(CLINIC_SECRET.encode()).hexdigest())  # noqa: S324  (the gateway's protocol)


# Typical declared SI salary (VND/month) by year; a person's own factor scales it.
_WAGE_ANCHORS: tuple[tuple[int, int], ...] = (
    (1976, 40_000),
    (1988, 60_000),
    (1993, 250_000),
    (1995, 350_000),
    (2000, 650_000),
    (2005, 1_200_000),
    (2010, 2_500_000),
    (2015, 4_500_000),
    (2020, 6_200_000),
    (2024, 7_800_000),
    (2026, 8_800_000),
)
_GAPS = (0, 0, 0, 1, 1, 2, 3, 4, 6)  # months between two jobs
_FAMILY_KINDS = ("single", "couple", "nuclear", "extended")
_FAMILY_CUM = tuple(accumulate((14, 14, 52, 20)))
_LEVEL_WEIGHT = {"central": 1, "provincial": 4, "district": 10, "commune": 5}
_COST_FACTOR = {"central": 1.3, "provincial": 1.0, "district": 0.8, "commune": 0.6}
_VISIT_WEIGHTS: tuple[tuple[int, tuple[int, ...]], ...] = (
    (6, (20, 20, 18, 14, 10, 8, 5, 3, 2)),
    (18, (35, 25, 15, 10, 6, 4, 2, 2, 1)),
    (45, (35, 22, 15, 10, 7, 5, 3, 2, 1)),
    (65, (20, 15, 15, 12, 12, 10, 7, 5, 4)),
    (200, (10, 10, 12, 12, 12, 12, 12, 10, 10)),
)
_VISIT_CUM = tuple((limit, tuple(accumulate(w))) for limit, w in _VISIT_WEIGHTS)
_VOLUNTARY_INCOMES = (1_500_000, 2_000_000, 2_500_000, 3_000_000, 4_000_000, 5_000_000)


@dataclass
class SeedReport:
    """What one ``seed_demo`` call did: rows inserted per table and how long it took."""

    skipped: bool = False
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line for logs and the CLI."""
        if self.skipped:
            return f"demo data already present; nothing done ({self.seconds:.2f} s)"
        parts = ", ".join(f"{name} {count:,}" for name, count in self.counts.items() if count)
        return f"seeded {self.total:,} rows in {self.seconds:.1f} s: {parts}"


async def seed_demo(
    engine: AsyncEngine,
    *,
    people: int = 1000,
    seed: int = 2026,
    today: date | None = None,
    password_hash: str | None = None,
    clinic_secret_hash: str | None = None,
    employer_secret_hash: str | None = None,
) -> SeedReport:
    """Fill an empty database with the personas and ``people`` persons in all (personas included), as on ``today``.

    ``today`` (default: Vietnam's today) dates everything recent: cards, last month's contributions, visits.
    Idempotent: when persona 0100000001 exists nothing is done and the report says ``skipped``.
    ``password_hash`` activates the persona, staff and HR accounts; ``clinic_secret_hash`` adds the
    clinic client of facility 01001, ``employer_secret_hash`` Thăng Long's declaration software.
    """
    started = time.perf_counter()
    dates = demo_dates(today or today_vn())
    try:
        async with engine.begin() as conn:
            if await _already_seeded(conn):
                return SeedReport(skipped=True, seconds=time.perf_counter() - started)
            counts = await _seed(
                conn,
                people=people,
                seed=seed,
                dates=dates,
                password_hash=password_hash,
                clinic_secret_hash=clinic_secret_hash,
                employer_secret_hash=employer_secret_hash,
            )
    except Exception:
        # A concurrent run may have got there first: ours then fails on a unique key (whatever asyncpg calls it
        # under COPY) and was rolled back whole.
        async with engine.connect() as conn:
            if await _already_seeded(conn):
                return SeedReport(skipped=True, seconds=time.perf_counter() - started)
        raise
    report = SeedReport(counts=counts, seconds=time.perf_counter() - started)
    logger.info(report.summary())
    return report


def _table(name: str) -> Table:
    """The Core table of a model, by table name."""
    return SQLModel.metadata.tables[name]


async def _already_seeded(conn: AsyncConnection) -> bool:
    """True when persona 0100000001 exists (it is committed together with all the demo data)."""
    person = _table("person")
    found = await conn.execute(select(person.c.id).where(person.c.si_code == AN))
    return found.first() is not None


async def _seed(
    conn: AsyncConnection,
    *,
    people: int,
    seed: int,
    dates: DemoDates,
    password_hash: str | None,
    clinic_secret_hash: str | None,
    employer_secret_hash: str | None = None,
) -> dict[str, int]:
    """Generate and write everything inside the caller's transaction; returns rows per table."""
    counts: dict[str, int] = dict.fromkeys(INSERT_ORDER, 0)
    writer = _Writer(conn, counts)

    await _seed_reference_tables(conn, writer)

    next_ids: dict[str, int] = {}
    for name in ID_TABLES:
        table = _table(name)
        next_ids[name] = ((await conn.execute(select(func.max(table.c.id)))).scalar() or 0) + 1

    facility = _table("medical_facility")
    existing = {code: fid for code, fid in (await conn.execute(select(facility.c.code, facility.c.id))).all()}
    builder = _Builder(random.Random(seed), dates, next_ids, existing, password_hash)
    builder.add_employers(max(30, people // 20))
    builder.add_personas()
    await writer.flush(builder.take())

    for _ in builder.generate_people(max(0, people - len(PERSONAS))):
        await writer.flush(builder.take())

    builder.add_staff_and_clinic(
        clinic_secret_hash, employer_secret_hash, gateway_hash=_gateway_hash(clinic_secret_hash)
    )
    await writer.flush(builder.take())

    # Explicit ids do not advance the sequences; later ORM inserts would collide without this.
    for name in ID_TABLES:
        table = _table(name)
        max_id = select(func.max(table.c.id)).scalar_subquery()
        await conn.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"), max_id)))

    # Fresh planner statistics: autovacuum may be off (or not yet around), and without them the planner takes the
    # bulk-loaded tables for empty and picks plans that read all of them. ANALYZE may run in this transaction;
    # it sees the rows written here, and its statistics are committed (or rolled back) with them.
    filled = [name for name in INSERT_ORDER if counts[name]]
    if filled:
        await conn.execute(text(f"ANALYZE {', '.join(filled)}"))
    return counts


async def _seed_reference_tables(conn: AsyncConnection, writer: "_Writer") -> None:
    """The dated legal tables, each only when empty (a migration or an operator may have filled it)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    if not (await conn.execute(select(func.count()).select_from(_table("base_salary")))).scalar():
        rows["base_salary"] = [
            {"effective_from": day, "amount": amount, "legal_basis": basis} for day, amount, basis in BASE_SALARIES
        ]
    if not (await conn.execute(select(func.count()).select_from(_table("regional_minimum_wage")))).scalar():
        rows["regional_minimum_wage"] = [
            {"effective_from": day, "region": region, "amount": amount, "legal_basis": basis}
            for day, basis, amounts in REGIONAL_MINIMUM_WAGES
            for region, amount in zip(REGIONS, amounts, strict=True)
        ]
    await writer.flush(rows)


# Demo living areas (maKV): a share of the northern mountain provinces' people live in areas of difficult (K1) or
# especially difficult (K2) circumstances, a few of the coastal provinces' on islands (K3). From the SI code, so the
# random stream (and every other generated value) stays as it was.
_MOUNTAIN_PROVINCES = frozenset({"02", "04", "06", "10", "11", "12", "14"})
_ISLAND_PROVINCES = frozenset({"22", "31", "56", "77", "91"})


def demo_living_area(province: str, si_code: str) -> str | None:
    """The living-area code of a generated card, or None (most people)."""
    draw = int(si_code) % 10
    if province in _MOUNTAIN_PROVINCES:
        return "K2" if draw < 2 else "K1" if draw < 5 else None
    if province in _ISLAND_PROVINCES and draw == 0:
        return "K3"
    return None


class _Writer:
    """Writes generated rows table by table, in batches, counting them."""

    def __init__(self, conn: AsyncConnection, counts: dict[str, int]) -> None:
        self.conn = conn
        self.counts = counts

    async def flush(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """Insert every table's rows in dependency order."""
        for name in INSERT_ORDER:
            batch = rows.get(name)
            if not batch:
                continue
            await self._copy(name, batch)
            self.counts[name] += len(batch)

    async def _copy(self, name: str, batch: list[dict[str, Any]]) -> None:
        """Write rows with PostgreSQL COPY."""
        # COPY is several times faster than executemany here; it runs on the same driver connection,
        # inside the transaction SQLAlchemy has open, so a failure still rolls everything back.
        raw = await self.conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        columns = list(batch[0])
        for start in range(0, len(batch), BATCH_ROWS):
            records = [tuple(row[c] for c in columns) for row in batch[start : start + BATCH_ROWS]]
            await driver.copy_records_to_table(name, records=records, columns=columns)


@dataclass(slots=True)
class _Member:
    """A family member before they get ids and records."""

    sex: str
    birth: date
    surname: str
    relation: str
    mother: int | None = None  # index of the mother within the family, when she is in it


@dataclass(slots=True)
class _Period:
    """A run of months at one salary base; ``employer_id`` None is the voluntary scheme."""

    start: int
    end: int
    salary: int
    employer_id: int | None
    region: str
    public: bool
    status: str = "paid"


@dataclass(slots=True)
class _Career:
    """A person's contribution history and what follows from it."""

    periods: list[_Period] = field(default_factory=list)
    current: bool = False  # still working for an employer
    left_early: bool = False  # stopped compulsory work before retirement age
    retired: bool = False  # worked until the retirement age, which has passed
    retirement: int = 0
    pension: bool = False
    unemployment_active: bool = False

    @property
    def first_month(self) -> int | None:
        return self.periods[0].start if self.periods else None

    def paid_months(self) -> int:
        """Months actually paid (arrears excluded), all schemes."""
        return sum(p.end - p.start + 1 for p in self.periods if p.status == "paid")

    def compulsory(self) -> list[_Period]:
        """The periods with an employer."""
        return [p for p in self.periods if p.employer_id is not None]

    def salary_in(self, month: int) -> int | None:
        """SI salary of a paid compulsory month, if the person had one."""
        for period in self.periods:
            if period.employer_id is not None and period.status == "paid" and period.start <= month <= period.end:
                return period.salary
        return None

    def recent_average(self, months: int, *, compulsory_only: bool = False) -> int:
        """Average salary of the last ``months`` paid months."""
        total = count = 0
        for period in reversed(self.periods):
            if period.status != "paid" or (compulsory_only and period.employer_id is None):
                continue
            take = min(months - count, period.end - period.start + 1)
            total += take * period.salary
            count += take
            if count >= months:
                break
        return total // count if count else 0


def _wage_index(month: int) -> float:
    """Typical declared SI salary in a month, interpolated between the anchors."""
    year = month / 12
    if year <= _WAGE_ANCHORS[0][0]:
        return _WAGE_ANCHORS[0][1]
    for (y0, w0), (y1, w1) in pairwise(_WAGE_ANCHORS):
        if year <= y1:
            return w0 + (w1 - w0) * (year - y0) / (y1 - y0)
    return _WAGE_ANCHORS[-1][1]


def _age(birth: date, today: date) -> int:
    """Age in full years on ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _years_later(day: date, years: int) -> date:
    """The same day ``years`` later (days past the 28th move to the 28th, so 29 February is safe)."""
    return date(day.year + years, day.month, min(day.day, 28))


def _funds(salary: int, voluntary: bool) -> tuple[str, int, int]:
    """Funds and monthly employer / employee amounts for a salary base (integer VND, half up)."""
    if voluntary:
        return VOLUNTARY_FUNDS, 0, round_half_up(salary * VOLUNTARY_RATE_PERMILLE, 1000)
    return (
        COMPULSORY_FUNDS,
        round_half_up(salary * EMPLOYER_RATE_PERMILLE, 1000),
        round_half_up(salary * EMPLOYEE_RATE_PERMILLE, 1000),
    )


class _Builder:
    """Generates rows into per-table lists; ids come from counters, randomness from one rng."""

    def __init__(
        self,
        rng: random.Random,
        dates: DemoDates,
        next_ids: dict[str, int],
        facilities: dict[str, int],
        password_hash: str | None,
    ) -> None:
        self.rng = rng
        self.dates = dates
        self.next_ids = next_ids
        self.password_hash = password_hash
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.si_counter = 0
        self.cid_counters: dict[str, int] = {}
        self.used_cids = {p.citizen_id for p in PERSONAS}
        self.person_ids: dict[str, int] = {}
        self.employer_ids: dict[str, int] = {}
        self.employer_regions: dict[int, str] = {}
        self.province_names = {province.code: province.name for province in PROVINCES}
        self.employers_by_province: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
        self.all_employers: list[tuple[int, str, bool]] = []

        self.facility_ids: dict[str, int] = dict(facilities)
        for fac in FACILITIES:
            if fac.code not in self.facility_ids:
                fid = self._id("medical_facility")
                self.facility_ids[fac.code] = fid
                self.rows["medical_facility"].append(
                    {
                        "id": fid,
                        "code": fac.code,
                        "name": fac.name,
                        "level": fac.level,
                        "province_code": fac.province_code,
                        "address": fac.address,
                    }
                )
        self.facility_level: dict[int, str] = {self.facility_ids[f.code]: f.level for f in FACILITIES}
        self.facilities_by_province: dict[str, tuple[list[int], list[int]]] = {}
        for province in PROVINCES:
            local = [f for f in FACILITIES if f.province_code == province.code]
            self.facilities_by_province[province.code] = (
                [self.facility_ids[f.code] for f in local],
                list(accumulate(_LEVEL_WEIGHT[f.level] for f in local)),
            )
        self.central_facilities = [self.facility_ids[f.code] for f in FACILITIES if f.level == "central"]

        self.province_cum = list(accumulate(p.population for p in PROVINCES))
        self.surnames = [s for s, _ in names.SURNAMES]
        self.surname_cum = list(accumulate(w for _, w in names.SURNAMES))
        self.diagnosis_table: dict[tuple[int, str], tuple[list[Diagnosis], list[float]]] = {}
        for age in range(0, 121):
            for sex in ("M", "F"):
                fitting = [d for d in DIAGNOSES if d.min_age <= age <= d.max_age and d.sex in (None, sex)]
                self.diagnosis_table[(age, sex)] = (fitting, list(accumulate(d.weight for d in fitting)))

    def _id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def take(self) -> dict[str, list[dict[str, Any]]]:
        """Hand over the rows generated so far and start new lists."""
        rows, self.rows = self.rows, defaultdict(list)
        return rows

    # ----- employers -------------------------------------------------------------------------------

    def add_employers(self, count: int) -> None:
        """The personas' employers, then ``count`` generated ones spread like the economy."""
        for employer in PERSONA_EMPLOYERS:
            self._employer(
                employer.code,
                employer.name,
                employer.province_code,
                employer.wage_region,
                False,
                employer.tax_code,
                employer.address,
            )
        rng = self.rng
        weights = list(accumulate(p.population * {"I": 3.0, "II": 1.5}.get(p.wage_region, 1.0) for p in PROVINCES))
        forms = [f for f, _ in names.EMPLOYER_FORMS]
        form_cum = list(accumulate(w for _, w in names.EMPLOYER_FORMS))
        seen: set[str] = set()
        for number in range(1, count + 1):
            province = rng.choices(PROVINCES, cum_weights=weights)[0]
            public = rng.random() < 0.12
            for attempt in range(20):
                if public:
                    pattern = rng.choice(names.PUBLIC_EMPLOYER_PATTERNS)
                    name = pattern.format(
                        hero=rng.choice(names.SCHOOL_HEROES),
                        commune=rng.choice(names.COMMUNES),
                        ward=rng.choice(names.URBAN_WARDS).removeprefix("Phường "),
                        city=province.city,
                    )
                    if "{city}" not in pattern:
                        name = f"{name}, {province.name}"
                else:
                    form = rng.choices(forms, cum_weights=form_cum)[0]
                    name = f"{form} {rng.choice(names.EMPLOYER_SECTORS)} {rng.choice(names.EMPLOYER_BRANDS)}"
                    if attempt > 5:
                        name = f"{name} {province.name}"
                if name not in seen:
                    break
            seen.add(name)
            region = province.wage_region
            if region != "IV" and rng.random() < 0.25:  # outlying districts are a region lower
                region = REGIONS[REGIONS.index(region) + 1]
            self._employer(f"DV{province.code}{number:06d}", name, province.code, region, public)

    def _employer(
        self, code: str, name: str, province: str, region: str, public: bool, tax_code: str = "", address: str = ""
    ) -> None:
        """Add one employer row; generated careers draw only from non-persona employers."""
        eid = self._id("employer")
        self.employer_ids[code] = eid
        self.employer_regions[eid] = region
        self.rows["employer"].append(
            {
                "id": eid,
                "code": code,
                "name": name,
                "province_code": province,
                "wage_region": region,
                "tax_code": tax_code or f"{province}{eid:08d}",
                "address": address or self.province_names.get(province, ""),
            }
        )
        if not code.startswith("TA"):  # persona employers stay out of the generated histories
            entry = (eid, region, public)
            self.employers_by_province[province].append(entry)
            self.all_employers.append(entry)

    # ----- personas --------------------------------------------------------------------------------

    def add_personas(self) -> None:
        """The documented personas, exactly as personas.py describes them on the seed's day."""
        status = "active" if self.password_hash else "pending"
        records = persona_records(self.dates)
        for persona in PERSONAS:
            pid = self._id("person")
            self.person_ids[persona.si_code] = pid
            self.rows["person"].append(
                {
                    "id": pid,
                    "si_code": persona.si_code,
                    "citizen_id": persona.citizen_id,
                    "full_name": persona.full_name,
                    "date_of_birth": persona.date_of_birth,
                    "birth_date_precision": "day",
                    "sex": persona.sex,
                    "province_code": persona.province_code,
                    "address": persona.address,
                    "phone": persona.phone,
                    "email": persona.email,
                    "created_at": self.dates.seed_time,
                }
            )
            for period in records[persona.si_code].periods:
                if period.status == "arrears" and period.employer_code is not None:
                    employer_id = self.employer_ids[period.employer_code]
                    self._open_ledger(pid, employer_id, period.from_month, period.salary_base)
                    continue
                voluntary = period.employer_code is None
                funds, employer_amount, employee_amount = _funds(period.salary_base, voluntary)
                self.rows["contribution_period"].append(
                    {
                        "id": self._id("contribution_period"),
                        "person_id": pid,
                        "employer_id": None if voluntary else self.employer_ids[period.employer_code],
                        "from_month": period.from_month,
                        "to_month": period.to_month,
                        "scheme": "voluntary" if voluntary else "compulsory",
                        "salary_base": period.salary_base,
                        "funds": funds,
                        "employer_amount": employer_amount,
                        "employee_amount": employee_amount,
                        "status": period.status,
                    }
                )
            for benefit in records[persona.si_code].benefits:
                self._benefit(
                    pid,
                    benefit.type,
                    benefit.period_from,
                    benefit.period_to,
                    benefit.amount,
                    benefit.status,
                    benefit.decided_on,
                    monthly=benefit.monthly,
                    channel=benefit.payment_channel,
                )
            card = persona.card
            self._card_row(
                pid,
                persona.si_code,
                persona.province_code,
                card.group,
                self.facility_ids[card.facility_code],
                self.dates.card_from,
                self.dates.card_to,
                card.five_year_date,
                card.status,
                serial=card.serial(self.dates.card_from),
            )
            for visit in records[persona.si_code].visits:
                self._visit(
                    pid,
                    self.facility_ids[visit.facility_code],
                    visit.visit_type,
                    visit.admission,
                    visit.discharge,
                    names.DIAGNOSIS_BY_CODE[visit.icd10_code],
                    visit.hi_paid + visit.patient_paid,
                    visit.hi_paid,
                )
            self._account(pid, persona.si_code, persona.full_name, status)
        for household in PERSONA_HOUSEHOLDS:
            hid = self._id("household")
            head = self.person_ids[household.members[0].si_code]
            created = datetime(2024, 3, 4, 2, 30, tzinfo=UTC)
            self.rows["household"].append(
                {
                    "id": hid,
                    "code": household.code,
                    "address": household.address,
                    "province_code": household.province_code,
                    "head_person_id": head,
                    "created_at": created,
                }
            )
            for order, member in enumerate(household.members, start=1):
                self._member_row(
                    hid,
                    self.person_ids[member.si_code],
                    member.relation,
                    order,
                    member.consent,
                    created,
                    created + timedelta(days=2) if member.consent == "given" else None,
                )

    def add_staff_and_clinic(
        self, clinic_secret_hash: str | None, employer_secret_hash: str | None = None, gateway_hash: str | None = None
    ) -> None:
        """The staff account, Thăng Long's HR clerk, the clinic's and Thăng Long's clients with secrets, and facility
        01001's registered staff, admin and gateway account."""
        for username, role, display_name, email in (
            (STAFF_USERNAME, "staff", STAFF_DISPLAY_NAME, None),
            (HR_USERNAME, "employer_staff", HR_DISPLAY_NAME, HR_EMAIL),
        ):
            account_id = self._id("account")
            self.rows["account"].append(
                {
                    "id": account_id,
                    "username": username,
                    "role": role,
                    "status": "active" if self.password_hash else "pending",
                    "assurance_level": "basic",
                    "display_name": display_name,
                    "email": email,
                    "person_id": None,
                    "password_hash": self.password_hash,
                    "password_changed_at": self.dates.seed_time if self.password_hash else None,
                    "created_at": self.dates.seed_time,
                }
            )
        self.rows["employer_membership"].append(
            {
                "id": self._id("employer_membership"),
                "account_id": account_id,
                "employer_id": self.employer_ids[HR_EMPLOYER],
                "created_at": self.dates.seed_time,
            }
        )
        if employer_secret_hash:
            self.rows["employer_client"].append(
                {
                    "id": self._id("employer_client"),
                    "client_id": EMPLOYER_CLIENT_ID,
                    "secret_hash": employer_secret_hash,
                    "employer_id": self.employer_ids[HR_EMPLOYER],
                    "name": "Phần mềm kê khai BHXH",
                    "active": True,
                    "created_at": self.dates.seed_time,
                }
            )
        if clinic_secret_hash:
            facility = next(f for f in FACILITIES if f.code == CLINIC_FACILITY_CODE)
            self.rows["clinic_client"].append(
                {
                    "id": self._id("clinic_client"),
                    "client_id": CLINIC_CLIENT_ID,
                    "secret_hash": clinic_secret_hash,
                    "facility_id": self.facility_ids[CLINIC_FACILITY_CODE],
                    "name": facility.name,
                    "active": True,
                    "created_at": self.dates.seed_time,
                }
            )
            self._add_facility_people(gateway_hash=gateway_hash)

    def _add_facility_people(self, *, gateway_hash: str | None) -> None:
        """Facility 01001's registered checking staff, its admin account and its gateway account."""
        facility_id = self.facility_ids[CLINIC_FACILITY_CODE]
        for number, (full_name, citizen_id) in enumerate(REGISTERED_STAFF, start=1):
            self.rows["facility_staff"].append(
                {
                    "id": self._id("facility_staff"),
                    "public_id": f"demo-staff-{number}",
                    "facility_id": facility_id,
                    "full_name": full_name,
                    "citizen_id": citizen_id,
                    "created_at": self.dates.seed_time,
                }
            )
        admin_id = self._id("account")
        self.rows["account"].append(
            {
                "id": admin_id,
                "username": FACILITY_ADMIN_USERNAME,
                "role": "facility_admin",
                "status": "active" if self.password_hash else "pending",
                "assurance_level": "basic",
                "display_name": FACILITY_ADMIN_DISPLAY_NAME,
                "email": f"{FACILITY_ADMIN_USERNAME}@ansinh.example",
                "person_id": None,
                "password_hash": self.password_hash,
                "password_changed_at": self.dates.seed_time if self.password_hash else None,
                "created_at": self.dates.seed_time,
            }
        )
        self.rows["facility_admin"].append(
            {"id": self._id("facility_admin"), "account_id": admin_id, "facility_id": facility_id}
        )
        if gateway_hash:
            self.rows["gateway_account"].append(
                {
                    "id": self._id("gateway_account"),
                    "username": GATEWAY_USERNAME,
                    "password_hash": gateway_hash,
                    "client_id": self.rows["clinic_client"][-1]["id"],
                    "active": True,
                    "password_changed_at": self.dates.seed_time,
                    "created_at": self.dates.seed_time,
                }
            )

    # ----- employers' ledgers ----------------------------------------------------------------------

    def _open_ledger(self, pid: int, employer_id: int, first_month: str, salary: int) -> None:
        """Months an employer owes, as its ledger has them: an opening declaration, dues computed by the employers'
        rules through last month and not paid, and the arrears periods projected from them."""
        through = month_text(self.dates.last_declared)
        batch_id = self._id("declaration_batch")
        self.rows["declaration_batch"].append(
            {
                "id": batch_id,
                "employer_id": employer_id,
                "month": through,
                "source": "opening",
                "idempotency_key": f"opening-{pid}",
                "request_hash": "0" * 64,
                "lines": 1,
                "submitted_by": "seed",
                "created_at": self.dates.seed_time,
            }
        )
        self.rows["declaration"].append(
            {
                "id": self._id("declaration"),
                "batch_id": batch_id,
                "employer_id": employer_id,
                "person_id": pid,
                "row_no": 1,
                "kind": "opening",
                "from_month": first_month,
                "to_month": None,
                "salary": salary,
                "allowances": 0,
                "position": None,
                "reason": None,
            }
        )
        region = self.employer_regions[employer_id]
        months = []
        opening = [ledger.Line(kind="opening", from_month=first_month, salary=salary)]
        for month, base in ledger.contribution_months(opening, through).items():
            due = ledger.month_due(base, month, region)
            self.rows["employer_due"].append(
                {
                    "id": self._id("employer_due"),
                    "employer_id": employer_id,
                    "person_id": pid,
                    "month": month,
                    "salary_base": base,
                    "funds": COMPULSORY_FUNDS,
                    "employer_amount": due.employer_total,
                    "employee_amount": due.employee_total,
                    "paid": 0,
                    "rule_version": due.rule_version,
                }
            )
            months.append((month, base, due.employer_total, due.employee_total, False))
        for span in ledger.spans(months):
            self.rows["contribution_period"].append(
                {
                    "id": self._id("contribution_period"),
                    "person_id": pid,
                    "employer_id": employer_id,
                    "from_month": span.from_month,
                    "to_month": span.to_month,
                    "scheme": "compulsory",
                    "salary_base": span.salary_base,
                    "funds": COMPULSORY_FUNDS,
                    "employer_amount": span.employer_amount,
                    "employee_amount": span.employee_amount,
                    "status": "arrears",
                }
            )

    # ----- generated people ------------------------------------------------------------------------

    def generate_people(self, count: int) -> Iterator[None]:
        """Generate ``count`` people family by family; yields whenever a chunk is ready to be written."""
        done = pending = 0
        while done < count:
            made = self._household(count - done)
            done += made
            pending += made
            if pending >= CHUNK_PEOPLE:
                pending = 0
                yield
        yield

    def _pick_province(self) -> Province:
        return self.rng.choices(PROVINCES, cum_weights=self.province_cum)[0]

    def _surname(self) -> str:
        return self.rng.choices(self.surnames, cum_weights=self.surname_cum)[0]

    def _birth_for_age(self, age: int) -> date:
        """A birth date giving exactly ``age`` today, from FIRST_BIRTH to the end of last year."""
        today = self.dates.today
        latest = min(shift_years(today, -age), self.dates.last_birth)
        earliest = max(shift_years(today, -age - 1) + timedelta(days=1), FIRST_BIRTH)
        return date.fromordinal(self.rng.randint(earliest.toordinal(), latest.toordinal()))

    def _birth_in_year(self, year: int) -> date:
        """A birth date in ``year`` (clamped to FIRST_BIRTH and the end of last year)."""
        year = min(max(year, FIRST_BIRTH.year), self.dates.last_birth.year)
        first = max(date(year, 1, 1), FIRST_BIRTH).toordinal()
        last = min(date(year, 12, 31), self.dates.last_birth).toordinal()
        return date.fromordinal(self.rng.randint(first, last))

    def _children(self, mother_birth: date, count: int, earliest_age: int = 20, latest_age: int = 40) -> list[date]:
        """Birth dates of up to ``count`` children, at most one a year, born to a mother of the given ages."""
        first = mother_birth.year + earliest_age
        last = min(mother_birth.year + latest_age, self.dates.last_birth.year)
        years = list(range(first, last + 1))
        if not years or count <= 0:
            return []
        return [self._birth_in_year(y) for y in sorted(self.rng.sample(years, min(count, len(years))))]

    def _family(self) -> list[_Member]:
        """A household's members, head first, with plausible ages, sexes and family names."""
        rng = self.rng
        kind = rng.choices(_FAMILY_KINDS, cum_weights=_FAMILY_CUM)[0]
        if kind == "single":
            age = rng.randint(20, 40) if rng.random() < 0.6 else rng.randint(60, 86)
            return [_Member(rng.choice("MF"), self._birth_for_age(age), self._surname(), "head")]
        if kind == "extended" and rng.random() < 0.5:
            return self._three_generations()
        head_male = rng.random() < (0.85 if kind == "couple" else 0.8)
        head_age = rng.randint(22, 85) if kind == "couple" else rng.randint(24, 62)
        head = _Member("M" if head_male else "F", self._birth_for_age(head_age), self._surname(), "head")
        family = [head]
        if kind == "couple" or rng.random() < 0.9:
            gap = rng.randint(-2, 6)  # the husband is usually a few years older
            spouse_year = head.birth.year + (gap if head_male else -gap)
            spouse_year = min(max(spouse_year, FIRST_BIRTH.year), self.dates.today.year - 20)  # an adult
            spouse_birth = self._birth_in_year(spouse_year)
            family.append(_Member("F" if head_male else "M", spouse_birth, self._surname(), "spouse"))
        if kind == "couple":
            return family
        mother = next((i for i, m in enumerate(family) if m.sex == "F"), None)
        father_surname = next((m.surname for m in family if m.sex == "M"), self._surname())
        reference = family[mother].birth if mother is not None else head.birth
        kids = rng.choices((1, 2, 3, 4), weights=(30, 45, 18, 7))[0]
        for birth in self._children(reference, kids):
            family.append(_Member(rng.choice("MF"), birth, father_surname, "child", mother))
        if kind == "extended":
            parent_year = head.birth.year - rng.randint(22, 35)
            if parent_year >= FIRST_BIRTH.year:
                father_name = head.surname if head_male else self._surname()
                if rng.random() < 0.6:
                    father_birth = self._birth_in_year(parent_year - rng.randint(0, 4))
                    family.append(_Member("M", father_birth, father_name, "parent"))
                family.append(_Member("F", self._birth_in_year(parent_year), self._surname(), "parent"))
        return family

    def _three_generations(self) -> list[_Member]:
        """An elder head, maybe a spouse, an adult child with their spouse, and grandchildren."""
        rng = self.rng
        head_male = rng.random() < 0.75
        head = _Member("M" if head_male else "F", self._birth_for_age(rng.randint(58, 84)), self._surname(), "head")
        family = [head]
        if rng.random() < 0.8:
            spouse_year = head.birth.year + (rng.randint(0, 5) if head_male else -rng.randint(0, 5))
            spouse_year = max(spouse_year, FIRST_BIRTH.year)
            spouse_birth = self._birth_in_year(spouse_year)
            family.append(_Member("F" if head_male else "M", spouse_birth, self._surname(), "spouse"))
        elder_mother = next((m for m in family if m.sex == "F"), head)
        elder_father_surname = next((m.surname for m in family if m.sex == "M"), self._surname())
        births = self._children(elder_mother.birth, 1, 20, 35)
        this_year = self.dates.today.year
        adult_birth = births[0] if births and births[0].year <= this_year - 22 else self._birth_in_year(this_year - 26)
        son = rng.random() < 0.7
        family.append(_Member("M" if son else "F", adult_birth, elder_father_surname, "child"))
        in_law_year = min(adult_birth.year + (rng.randint(0, 5) if son else -rng.randint(0, 5)), this_year - 22)
        family.append(_Member("F" if son else "M", self._birth_in_year(in_law_year), self._surname(), "other"))
        mother_index = len(family) - 1 if son else len(family) - 2
        grandchild_surname = family[-2].surname if son else family[-1].surname
        for birth in self._children(family[mother_index].birth, rng.randint(1, 3), 20, 38):
            family.append(_Member(rng.choice("MF"), birth, grandchild_surname, "grandchild", mother_index))
        return family

    def _address(self, province: Province) -> str:
        """An address in the province's style: lanes in Hà Nội, alleys in TP HCM, villages elsewhere."""
        rng = self.rng
        number = rng.randint(1, 350)
        if province.code == "01":
            street = rng.choice(names.STREETS_BY_PROVINCE["01"])
            district = rng.choice(province.districts)
            if rng.random() < 0.55:
                return f"Số {number} ngõ {rng.randint(2, 250)} phố {street}, {district}, Hà Nội"
            return f"Số {number} phố {street}, {district}, Hà Nội"
        if province.code == "79":
            street = rng.choice(names.STREETS_BY_PROVINCE["79"])
            lane = f"/{rng.randint(1, 60)}" if rng.random() < 0.4 else ""
            return f"Số {number}{lane} đường {street}, {rng.choice(province.districts)}, TP Hồ Chí Minh"
        if province.districts:
            street = rng.choice(names.STREETS)
            return f"Số {number} đường {street}, {rng.choice(province.districts)}, {province.name}"
        if rng.random() < 0.5:
            ward = rng.choice(names.URBAN_WARDS)
            return f"Số {number} đường {rng.choice(names.STREETS)}, {ward}, {province.city}, {province.name}"
        return f"{rng.choice(names.VILLAGES)}, xã {rng.choice(names.COMMUNES)}, {province.name}"

    def _full_name(self, sex: str, birth_year: int, surname: str, avoid: set[str]) -> str:
        """Family name, middle name(s) and a given name not yet used in the family."""
        rng = self.rng
        traditional = 0.8 if birth_year < 1970 else 0.5 if birth_year < 1990 else 0.25
        for _ in range(4):
            if sex == "M":
                middle = "Văn" if rng.random() < traditional else rng.choice(names.MIDDLE_MALE)
                given = rng.choice(names.GIVEN_MALE)
            else:
                middle = "Thị" if rng.random() < traditional else rng.choice(names.MIDDLE_FEMALE)
                given = rng.choice(names.GIVEN_FEMALE)
                if rng.random() < 0.15:  # four-word names such as "Nguyễn Thị Thu Hà"
                    middle = f"{middle} {rng.choice(names.MIDDLE_FEMALE)}"
            if given not in avoid and given not in middle:
                break
        avoid.add(given)
        return f"{surname} {middle} {given}"

    def _citizen_id(self, birth_province: str, sex: str, birth_year: int) -> str:
        """A 12-digit citizen ID: province of birth, century+sex, birth year, unique serial."""
        century_sex = (0 if sex == "M" else 1) + (2 if birth_year >= 2000 else 0)
        prefix = f"0{birth_province}{century_sex}{birth_year % 100:02d}"
        while True:
            # Each prefix starts at its own offset (crc32: stable across processes, unlike hash()); a
            # multiplier coprime with 10^6 then spreads the serials while keeping them unique per prefix.
            n = self.cid_counters.setdefault(prefix, zlib.crc32(prefix.encode()) % 1_000_000)
            self.cid_counters[prefix] = n + 1
            citizen_id = f"{prefix}{(n * 7919 + 123_457) % 1_000_000:06d}"
            if citizen_id not in self.used_cids:
                return citizen_id

    def _household(self, remaining: int) -> int:
        """Generate one household and everything about its members; returns how many people it has."""
        rng = self.rng
        family = self._family()[: min(7, remaining)]
        province = self._pick_province()
        address = self._address(province)
        hid = self._id("household")
        created = self.dates.seed_time - timedelta(minutes=rng.randint(30 * 24 * 60, 3 * 365 * 24 * 60))
        given_names: set[str] = set()
        careers: list[_Career | None] = []
        pids: list[int] = []
        head_si_code = ""
        for order, member in enumerate(family, start=1):
            pid, si_code, career = self._person(member, province, address, given_names)
            head_si_code = head_si_code or si_code
            pids.append(pid)
            careers.append(career)
            age = _age(member.birth, self.dates.today)
            consent = "not_required" if order == 1 or age < 18 else ("given" if rng.random() < 0.8 else "pending")
            consent_at = created + timedelta(hours=rng.randint(2, 400)) if consent == "given" else None
            self._member_row(hid, pid, member.relation, order, consent, created, consent_at)
        self.rows["household"].append(
            {
                "id": hid,
                "code": f"HGD{head_si_code}",  # the head's SI code keeps it unique
                "address": address,
                "province_code": province.code,
                "head_person_id": pids[0],
                "created_at": created,
            }
        )
        # Maternity needs the mother's history, so it is decided once the whole family exists (recent births only).
        for member in family:
            if member.mother is None or member.birth.year < self.dates.today.year - 6:
                continue
            career = careers[member.mother]
            salary = career.salary_in(month_index(member.birth.year, member.birth.month)) if career else None
            if salary:
                start = member.birth - timedelta(days=rng.randint(0, 10))
                decided = member.birth + timedelta(days=rng.randint(20, 50))
                amount = 6 * salary + 2 * base_salary_in(month_index(member.birth.year, member.birth.month))
                self._benefit(
                    pids[member.mother],
                    "maternity",
                    start,
                    start + timedelta(days=181),
                    amount,
                    "paid" if decided <= self.dates.today else "pending",
                    decided if decided <= self.dates.today else None,
                )
        return len(family)

    def _member_row(
        self, hid: int, pid: int, relation: str, order: int, consent: str, joined: datetime, consent_at: datetime | None
    ) -> None:
        """Add a household member row."""
        self.rows["household_member"].append(
            {
                "id": self._id("household_member"),
                "household_id": hid,
                "person_id": pid,
                "relation": relation,
                "enrolment_order": order,
                "consent": consent,
                "consent_at": consent_at,
                "joined_at": joined,
            }
        )

    def _person(
        self, member: _Member, province: Province, address: str, given_names: set[str]
    ) -> tuple[int, str, _Career | None]:
        """Add a person and everything about them; returns id, SI code and career."""
        rng = self.rng
        pid = self._id("person")
        self.si_counter += 1
        si_code = f"{province.code}8{self.si_counter:07d}"
        birth = member.birth
        precision = "day"
        if birth.year < 1990 and rng.random() < (0.12 if birth.year < 1970 else 0.02):
            precision, birth = "year", date(birth.year, 1, 1)  # older records often keep only the year
        age = _age(birth, self.dates.today)
        # Most were born where they live; city dwellers often elsewhere (the ID carries the birth province).
        birth_province = province.code if rng.random() < 0.8 else self._pick_province().code
        citizen_id = self._citizen_id(birth_province, member.sex, birth.year)
        full_name = self._full_name(member.sex, birth.year, member.surname, given_names)
        phone = email = None
        if age >= 15 and rng.random() < 0.95:
            phone = f"{rng.choice(names.PHONE_PREFIXES)}{rng.randint(0, 9_999_999):07d}"
        if age >= 18 and rng.random() < 0.4:
            words = names.ascii_fold(full_name).lower().split()
            email = f"{words[-1]}.{words[0]}{rng.randint(1, 999)}@example.com"
        self.rows["person"].append(
            {
                "id": pid,
                "si_code": si_code,
                "citizen_id": citizen_id,
                "full_name": full_name,
                "date_of_birth": birth,
                "birth_date_precision": precision,
                "sex": member.sex,
                "province_code": province.code,
                "address": address,
                "phone": phone,
                "email": email,
                "created_at": self.dates.seed_time,
            }
        )

        career = self._career(pid, member.sex, birth, age, province.code) if age >= 18 else None
        group = self._group(age, career)
        if group is not None:
            level = GROUP_LEVEL[group]
            facility_id = self._primary_facility(province.code)
            self._card(pid, si_code, province.code, group, facility_id, birth, career)
            self._visits(pid, member.sex, birth, age, level, facility_id, province.code)
        if age >= 18 and rng.random() < 0.3:
            self._account(pid, si_code, full_name, "pending")  # in the registry, not yet activated
        return pid, si_code, career

    # ----- contributions and benefits --------------------------------------------------------------

    def _career(self, pid: int, sex: str, birth: date, age: int, province: str) -> _Career:
        """Contribution history of an adult, the benefits it leads to, and its period rows."""
        rng = self.rng
        career = _Career(retirement=retirement_month(birth.year, birth.month, sex))
        if rng.random() < (0.62 if birth.year >= 1960 else 0.5):
            start = month_index(birth.year, birth.month) + 12 * rng.randint(18, 24) + rng.randint(0, 11)
            if start < FIRST_RECORD:
                start = FIRST_RECORD + rng.randint(0, 36)
            last_declared = self.dates.last_declared
            end = min(career.retirement, last_declared)
            if end - start > 14 and rng.random() < 0.22:
                career.left_early = True
                end = rng.randint(start + 12, end - 1)
            if end >= start:
                career.current = not career.left_early and end == last_declared
                career.retired = not career.left_early and career.retirement <= last_declared
                self._employment(career, start, end, province)
        if career.retired and career.periods:
            self._retirement_benefit(pid, sex, career)
        elif career.left_early and career.periods:
            self._after_leaving(pid, career, age)
        elif not career.periods and 25 <= age < 60 and rng.random() < 0.03:
            self._voluntary(career, month_index(2018, 1) + rng.randint(0, 84))
        if career.compulsory() and rng.random() < 0.1:
            self._sickness(pid, career)
        for period in career.periods:
            if period.status == "arrears" and period.employer_id is not None:
                self._open_ledger(pid, period.employer_id, month_text(period.start), period.salary)
                continue
            funds, employer_amount, employee_amount = _funds(period.salary, period.employer_id is None)
            self.rows["contribution_period"].append(
                {
                    "id": self._id("contribution_period"),
                    "person_id": pid,
                    "employer_id": period.employer_id,
                    "from_month": month_text(period.start),
                    "to_month": month_text(period.end),
                    "scheme": "voluntary" if period.employer_id is None else "compulsory",
                    "salary_base": period.salary,
                    "funds": funds,
                    "employer_amount": employer_amount,
                    "employee_amount": employee_amount,
                    "status": period.status,
                }
            )
        return career

    def _employment(self, career: _Career, start: int, end: int, province: str) -> None:
        """Split a working life into 1–5 jobs with short gaps; salaries rise within a job."""
        rng = self.rng
        months = end - start + 1
        jobs = max(1, min(5, 1 + months // 90 + rng.randint(-1, 1)))
        if months >= 48:
            jobs = max(2, jobs)
        inner = range(start + 6, end - 5)
        cuts = sorted(rng.sample(inner, min(jobs - 1, len(inner)))) if jobs > 1 and len(inner) > 0 else []
        bounds = [start, *cuts, end + 1]
        factor = min(6.0, max(0.45, rng.lognormvariate(0.0, 0.45)))
        previous_employer = None
        for i in range(len(bounds) - 1):
            seg_start, seg_end = bounds[i], bounds[i + 1] - 1
            if i > 0:
                seg_start = min(seg_end, seg_start + rng.choice(_GAPS))
            local = self.employers_by_province.get(province)
            pool = local if local and rng.random() < 0.75 else self.all_employers
            employer = rng.choice(pool)
            if employer is previous_employer:
                employer = rng.choice(self.all_employers)
            previous_employer = employer
            employer_id, region, public = employer
            month = seg_start
            salary = 0
            while month <= seg_end:
                to = min(seg_end, month + rng.randint(12, 36) - 1)
                experience = (month - start) / 12
                raw = int(round(_wage_index(month) * factor * (1 + 0.012 * experience), -3))
                salary = max(raw, salary, minimum_wage_in(region, month) or 0)
                salary = min(salary, salary_cap_in(month))
                career.periods.append(_Period(month, to, salary, employer_id, region, public))
                month = to + 1
        if career.current and rng.random() < 0.025:
            # The current employer declared the last months without paying them (nợ đóng).
            last = career.periods[-1]
            owed = rng.randint(1, 4)
            if last.end - last.start + 1 > owed:
                career.periods.append(
                    _Period(
                        last.end - owed + 1,
                        last.end,
                        last.salary,
                        last.employer_id,
                        last.region,
                        last.public,
                        "arrears",
                    )
                )
                last.end -= owed
            else:
                last.status = "arrears"

    def _voluntary(self, career: _Career, start: int) -> None:
        """Voluntary-scheme periods from ``start`` to the last declared month."""
        rng = self.rng
        last_declared = self.dates.last_declared
        if start > last_declared - 3:
            return
        income = rng.choice(_VOLUNTARY_INCOMES)
        if last_declared - start > 30 and rng.random() < 0.5:
            switch = start + rng.randint(12, last_declared - start - 12)
            career.periods.append(_Period(start, switch - 1, income, None, "", False))
            income = min(income + 1_000_000, 6_000_000)
            start = switch
        career.periods.append(_Period(start, last_declared, income, None, "", False))

    def _retirement_benefit(self, pid: int, sex: str, career: _Career) -> None:
        """A pension when enough months were paid, else sometimes the one-time allowance."""
        rng = self.rng
        starts = month_start(career.retirement + 1)
        paid = career.paid_months()
        required = 180 if sex == "F" or starts >= date(2025, 7, 1) else 240
        if paid >= required:
            career.pension = True
            rate = pension_rate_percent(paid, sex, starts)
            # Pensions are raised over the years; following the wage index keeps old pensions plausible.
            uplift = _wage_index(self.dates.last_declared) / _wage_index(career.retirement) * 0.8
            amount = int(round(career.recent_average(60) * rate / 100 * max(1.0, uplift), -3))
            amount = max(amount, base_salary_in(self.dates.last_declared))
            channel = "post" if rng.random() < 0.25 else "bank"
            self._benefit(
                pid,
                "pension",
                starts,
                None,
                amount,
                "active",
                starts - timedelta(days=rng.randint(7, 25)),
                monthly=True,
                channel=channel,
            )
        elif rng.random() < 0.5:
            self._one_time(pid, career, starts)

    def _after_leaving(self, pid: int, career: _Career, age: int) -> None:
        """What may follow leaving work early: unemployment benefit, one-time allowance or voluntary SI."""
        rng = self.rng
        end = career.periods[-1].end
        last_declared = self.dates.last_declared
        compulsory_months = sum(p.end - p.start + 1 for p in career.compulsory())
        # Unemployment benefit after a job that ended in the last three years or so, at least two months ago.
        if last_declared - 40 <= end <= last_declared - 2 and compulsory_months >= 12 and rng.random() < 0.5:
            self._unemployment(pid, career, end, compulsory_months)
        elif end <= last_declared - 13 and career.paid_months() < 180 and rng.random() < 0.3:
            self._one_time(pid, career, month_start(end + 13))  # after a year without contributions
        elif 28 <= age < 60 and rng.random() < 0.2:
            self._voluntary(career, max(end + rng.randint(3, 36), month_index(2018, 1)))

    def _unemployment(self, pid: int, career: _Career, end: int, compulsory_months: int) -> None:
        """Unemployment benefit: 60% of the last 6 months' average, capped at 5 x regional minimum wage."""
        rng = self.rng
        starts = month_start(end + 1) + timedelta(days=15)
        months = min(12, 3 + max(0, (compulsory_months - 36) // 12))
        finishes = month_start(end + 1 + months) + timedelta(days=14)
        region = career.periods[-1].region
        cap = 5 * (minimum_wage_in(region, end + 1) or minimum_wage_in(region, month_index(2022, 7)) or 0)
        amount = min(round_half_up(career.recent_average(6, compulsory_only=True) * 60, 100), cap)
        career.unemployment_active = finishes >= self.dates.today
        status = "active" if career.unemployment_active else "ended"
        decided = starts - timedelta(days=rng.randint(5, 12))
        self._benefit(pid, "unemployment", starts, finishes, amount, status, decided, monthly=True)

    def _one_time(self, pid: int, career: _Career, starts: date) -> None:
        """One-time SI allowance, paid once."""
        if starts > self.dates.today:
            return
        last_2013 = month_index(2013, 12)
        before = sum(max(0, min(p.end, last_2013) - p.start + 1) for p in career.periods if p.status == "paid")
        after = career.paid_months() - before
        # 1.5 months of average salary per year before 2014, 2 months per year from 2014 on.
        amount = int(round(career.recent_average(career.paid_months()) * (1.5 * before + 2 * after) / 12, -3))
        self._benefit(pid, "one_time", starts, starts, amount, "paid", starts + timedelta(days=self.rng.randint(5, 30)))

    def _sickness(self, pid: int, career: _Career) -> None:
        """A short sickness leave in the last three years of compulsory work."""
        rng = self.rng
        window_start, window_end = self.dates.last_declared - 40, self.dates.last_declared - 1
        eligible = [
            p for p in career.compulsory() if p.status == "paid" and p.end >= window_start and p.start <= window_end
        ]
        if not eligible:
            return
        period = rng.choice(eligible)
        month = rng.randint(max(period.start, window_start), min(period.end, window_end))
        starts = month_start(month) + timedelta(days=rng.randint(0, 20))
        days = rng.randint(2, 10)
        # 75% of the month's SI salary per day, 24 working days a month: salary x days / 32.
        amount = round_half_up(period.salary * days, 32)
        decided = starts + timedelta(days=days + rng.randint(15, 45))
        paid = decided <= self.dates.today
        self._benefit(
            pid,
            "sickness",
            starts,
            starts + timedelta(days=days - 1),
            amount,
            "paid" if paid else "pending",
            decided if paid else None,
        )

    def _benefit(
        self,
        pid: int,
        kind: str,
        starts: date,
        ends: date | None,
        amount: int,
        status: str,
        decided: date | None,
        *,
        monthly: bool = False,
        channel: str = "bank",
    ) -> None:
        """Add a benefit row."""
        created = local_midnight(decided or self.dates.today)
        self.rows["benefit"].append(
            {
                "id": self._id("benefit"),
                "person_id": pid,
                "type": kind,
                "period_from": starts,
                "period_to": ends,
                "amount": amount,
                "monthly": monthly,
                "status": status,
                "payment_channel": channel,
                "decided_on": decided,
                "created_at": created,
            }
        )

    # ----- cards, visits, accounts -----------------------------------------------------------------

    def _group(self, age: int, career: _Career | None) -> str | None:
        """Beneficiary group of the person's current card; None for the few who have none."""
        rng = self.rng
        if age < 6:
            return "TE"
        if age < 18:
            return "HS"
        if career is not None:
            if career.pension:
                return "HT"
            if career.current:
                return "HC" if career.periods[-1].public else "DN"
            if career.unemployment_active:
                return "TN"
        if age <= 22 and rng.random() < 0.6:
            return "SV"
        if age >= 80 and rng.random() < 0.6:
            return "BT"
        roll = rng.random()
        if roll < 0.03:
            return None
        if roll < 0.09:
            return "HN"
        if roll < 0.14:
            return "CN"
        return "GD"

    def _primary_facility(self, province: str) -> int:
        """A facility of the province, weighted towards district and commune level."""
        ids, cum = self.facilities_by_province[province]
        return ids[bisect_right(cum, self.rng.random() * cum[-1])]

    def _card(
        self, pid: int, si_code: str, province: str, group: str, facility_id: int, birth: date, career: _Career | None
    ) -> None:
        """The person's current card: mostly valid this year and next; a few expired, suspended or reissued."""
        rng, dates = self.rng, self.dates
        if group in ("TE", "HS", "SV"):
            covered_since = birth
        elif career is not None and career.first_month is not None and group in ("DN", "HC", "HT", "TN"):
            covered_since = month_start(career.first_month)
        else:
            covered_since = month_start(month_index(rng.randint(2008, dates.today.year - 1), rng.randint(1, 12)))
        five_year: date | None = _years_later(covered_since, 5)
        if five_year > dates.today:
            five_year = None
        valid_from, valid_to, status = dates.card_from, dates.card_to, "active"
        if group == "TE":
            valid_from = max(dates.card_from, birth)
            valid_to = min(dates.card_to, shift_years(birth, 6) - timedelta(days=1))  # up to the 6th birthday
        roll = rng.random()
        if group != "TE" and roll < 0.02:
            # Not renewed: the previous two-year card ended on 31 December last year; still "active".
            valid_from, valid_to = date(dates.today.year - 2, 1, 1), date(dates.today.year - 1, 12, 31)
        elif roll < 0.03:
            status = "suspended"
        elif roll < 0.04:
            # Reissued this year (lost card): the old serial is revoked, the new one carries on.
            revoked = dates.seed_time - timedelta(days=rng.randint(0, (dates.today - valid_from).days))
            self._card_row(
                pid,
                si_code,
                province,
                group,
                facility_id,
                valid_from,
                valid_to,
                five_year,
                "replaced",
                revoked_at=revoked,
            )
            self._card_row(
                pid,
                si_code,
                province,
                group,
                facility_id,
                valid_from,
                valid_to,
                five_year,
                status,
                issued_at=revoked,
            )
            return
        self._card_row(
            pid,
            si_code,
            province,
            group,
            facility_id,
            valid_from,
            valid_to,
            five_year,
            status,
        )

    def _card_row(
        self,
        pid: int,
        si_code: str,
        province: str,
        group: str,
        facility_id: int,
        valid_from: date,
        valid_to: date,
        five_year: date | None,
        status: str,
        *,
        serial: str | None = None,
        revoked_at: datetime | None = None,
        issued_at: datetime | None = None,
    ) -> None:
        """Add a card row; the legacy 15-character code follows from group, level, province and number."""
        cid = self._id("health_insurance_card")
        level = GROUP_LEVEL[group]
        self.rows["health_insurance_card"].append(
            {
                "id": cid,
                "person_id": pid,
                "primary_facility_id": facility_id,
                # Generated serials start at 1,000,000 so they never meet the personas' fixed ones.
                "serial": serial or f"C{valid_from.year % 100:02d}-{1_000_000 + cid:07d}",
                "number": si_code,
                "legacy_code": f"{group}{level}{province}{si_code}",
                "beneficiary_group": group,
                "benefit_level": level,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "five_year_date": five_year,
                "status": status,
                "living_area": demo_living_area(province, si_code),
                "issued_at": issued_at or local_midnight(valid_from),
                "revoked_at": revoked_at,
            }
        )

    def _visits(self, pid: int, sex: str, birth: date, age: int, level: int, primary: int, province: str) -> None:
        """0–8 medical visits of the last five years; older people visit more often."""
        rng = self.rng
        weights = next(cum for limit, cum in _VISIT_CUM if age < limit)
        count = bisect_right(weights, rng.random() * weights[-1])
        if count == 0:
            return
        fitting, cum = self.diagnosis_table[(min(age, 120), sex)]
        local_ids, local_cum = self.facilities_by_province[province]
        today = self.dates.today
        first = max(self.dates.visit_from, birth).toordinal()
        last = today.toordinal() - 1
        if first > last:
            return
        for _ in range(count):
            diagnosis = fitting[bisect_right(cum, rng.random() * cum[-1])]
            roll = rng.random()
            if roll < 0.7:
                facility_id = primary
            elif roll < 0.9:
                facility_id = local_ids[bisect_right(local_cum, rng.random() * local_cum[-1])]
            else:
                facility_id = rng.choice(self.central_facilities)
            facility_level = self.facility_level[facility_id]
            percent = LEVEL_COVER_PERCENT[level]
            admitted = date.fromordinal(rng.randint(first, last))
            if rng.random() < diagnosis.inpatient_share:
                visit_type = "inpatient"
                days = rng.randint(*diagnosis.stay_days)
                discharged = admitted + timedelta(days=days)
                if discharged > today:
                    admitted, discharged = today - timedelta(days=days), today
                    admitted = max(admitted, date.fromordinal(first))
                total = days * rng.randint(*diagnosis.cost_per_day)
                if facility_id != primary and facility_level == "central":
                    percent = percent * 40 // 100  # off-route inpatient care at a central hospital
            else:
                visit_type = "outpatient"
                discharged = admitted
                total = rng.randint(*diagnosis.outpatient_cost)
            total = int(total * _COST_FACTOR[facility_level]) // 100 * 100
            hi_paid = round_half_up(total * percent, 100)
            self._visit(pid, facility_id, visit_type, admitted, discharged, diagnosis, total, hi_paid)

    def _visit(
        self,
        pid: int,
        facility_id: int,
        visit_type: str,
        admitted: date,
        discharged: date,
        diagnosis: Diagnosis,
        total: int,
        hi_paid: int,
    ) -> None:
        """A visit as its facility's claim file (QĐ 130/4750) would have brought it: MA_LK, NGAY_VAO/NGAY_RA, the
        parts of the cost and two lines (the examination or the bed-days, and the drugs) adding up to the total."""
        visit_id = self._id("medical_visit")
        inpatient = visit_type == "inpatient"
        days = max((discharged - admitted).days, 1)
        self.rows["medical_visit"].append(
            {
                "id": visit_id,
                "person_id": pid,
                "facility_id": facility_id,
                "visit_key": f"AS{visit_id:010d}",
                "status": "claimed",
                "visit_type": visit_type,
                "kcb_type": "03" if inpatient else "01",
                "admission_date": admitted,
                "discharge_date": discharged,
                # Wall-clock times of a morning admission; an outpatient leaves before noon.
                "admitted_at": local_midnight(admitted) + timedelta(hours=7, minutes=30),
                "discharged_at": local_midnight(discharged) + timedelta(hours=9 if inpatient else 10, minutes=15),
                "icd10_code": diagnosis.code,
                "icd10_name": diagnosis.name,
                "total_cost": total,
                "hi_scope_total": total,
                "hi_paid": hi_paid,
                "co_payment": total - hi_paid,
                "out_of_scope": 0,
                "patient_paid": total - hi_paid,
                "other_sources": 0,
                "updated_at": local_midnight(discharged) + timedelta(hours=17),
            }
        )
        # The service line: bed-days of a stay, or the examination; the drugs make up the rest.
        quantity = days if inpatient else 1
        unit_price = total * (55 if inpatient else 30) // 100 // quantity // 100 * 100
        service = unit_price * quantity
        service_hi = round_half_up(service * hi_paid, total) if total else 0
        lines = (
            (
                "XML3",
                1,
                "K01.1923" if inpatient else "02.1896",
                "Ngày giường bệnh Nội khoa" if inpatient else "Khám bệnh",
                "ngày" if inpatient else "lần",
                quantity,
                unit_price,
                service,
                service_hi,
            ),
            ("XML2", 1, "40.DEMO", "Thuốc theo đơn", "đợt", 1, total - service, total - service, hi_paid - service_hi),
        )
        for table, position, code, name, unit, count, price, amount, line_hi in lines:
            self.rows["medical_visit_line"].append(
                {
                    "id": self._id("medical_visit_line"),
                    "visit_id": visit_id,
                    "source_table": table,
                    "position": position,
                    "code": code,
                    "name": name,
                    "unit": unit,
                    "quantity": Decimal(count),
                    "unit_price": price,
                    "amount": amount,
                    "hi_amount": amount,
                    "hi_paid": line_hi,
                    "patient_paid": amount - line_hi,
                }
            )

    def _account(self, pid: int, username: str, display_name: str, status: str) -> None:
        """Add a citizen account (username = SI code); only active accounts get the password hash."""
        password_hash = self.password_hash if status == "active" else None
        self.rows["account"].append(
            {
                "id": self._id("account"),
                "username": username,
                "role": "citizen",
                "status": status,
                "assurance_level": "basic",
                "display_name": display_name,
                "person_id": pid,
                "password_hash": password_hash,
                "password_changed_at": self.dates.seed_time if password_hash else None,
                "created_at": self.dates.seed_time,
            }
        )

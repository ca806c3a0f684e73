"""The fixed demo personas: documented people whose records tests, the README and demos rely on."""

from dataclasses import dataclass
from datetime import date, timedelta

from ansinh.demo.dates import DemoDates
from ansinh.demo.reference import GROUP_LEVEL, month_text


@dataclass(frozen=True, slots=True)
class PersonaEmployer:
    """An employer that exists for the personas' histories."""

    code: str
    name: str
    province_code: str
    wage_region: str
    tax_code: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class PersonaPeriod:
    """A contribution period; ``employer_code`` None means the voluntary scheme."""

    employer_code: str | None
    from_month: str
    to_month: str
    salary_base: int
    status: str = "paid"


@dataclass(frozen=True, slots=True)
class PersonaBenefit:
    """A benefit decided for a persona."""

    type: str
    period_from: date
    period_to: date | None
    amount: int
    status: str
    decided_on: date
    monthly: bool = False
    payment_channel: str = "bank"


@dataclass(frozen=True, slots=True)
class PersonaVisit:
    """A medical visit; ``hi_paid + patient_paid`` is the total cost."""

    facility_code: str
    icd10_code: str
    admission: date
    discharge: date
    hi_paid: int
    patient_paid: int
    visit_type: str = "outpatient"


@dataclass(frozen=True, slots=True)
class PersonaCard:
    """The persona's health-insurance card; its dates follow the seed's day (``DemoDates.card_from/card_to``)."""

    serial_number: int  # the serial is C<YY>-<7 digits>, YY the year the card is valid from
    group: str
    facility_code: str
    five_year_date: date | None
    status: str = "active"

    @property
    def level(self) -> int:
        return GROUP_LEVEL[self.group]

    def serial(self, valid_from: date) -> str:
        """The card's serial for a card valid from ``valid_from``."""
        return f"C{valid_from.year % 100:02d}-{self.serial_number:07d}"


@dataclass(frozen=True, slots=True)
class Persona:
    """A fixed person of the demo registry; their dated records come from ``persona_records``."""

    si_code: str
    citizen_id: str
    full_name: str
    date_of_birth: date
    sex: str
    province_code: str
    address: str
    phone: str
    email: str
    card: PersonaCard

    @property
    def legacy_code(self) -> str:
        """The pre-2021 15-character card code: group, level, province, SI code."""
        return f"{self.card.group}{self.card.level}{self.province_code}{self.si_code}"


@dataclass(frozen=True, slots=True)
class PersonaRecords:
    """A persona's contribution periods, benefits and medical visits as the registry holds them on one day."""

    periods: tuple[PersonaPeriod, ...] = ()
    benefits: tuple[PersonaBenefit, ...] = ()
    visits: tuple[PersonaVisit, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonaMember:
    """A member of a persona household, in enrolment order."""

    si_code: str
    relation: str
    consent: str


@dataclass(frozen=True, slots=True)
class PersonaHousehold:
    """A household of personas; the first member is the head."""

    code: str
    address: str
    province_code: str
    members: tuple[PersonaMember, ...]


AN = "0100000001"  # employed, two employers, arrears, head of a 4-member household
LAN = "0100000002"  # An's spouse, employed elsewhere (covered by her employer)
MINH = "0100000003"  # An's son, born 2007, household-enrolled (GD card), consent given
HAN = "0100000004"  # An's daughter, born 2016, pupil (HS card), consent not required (under 18)
HONG = "0100000005"  # retired in 2021, receiving a pension
TUAN = "0100000006"  # voluntary SI contributor, household of one

EMPLOYER_SONG_HONG = "TA0001A"
EMPLOYER_THANG_LONG = "TA0002A"
EMPLOYER_HA_THANH = "TA0003A"
EMPLOYER_DET_MAY = "TA0004A"
EMPLOYER_HONG_HA = "TA0005A"
EMPLOYER_TRUONG_SON = "TA0006A"

PERSONA_EMPLOYERS: tuple[PersonaEmployer, ...] = (
    PersonaEmployer(EMPLOYER_SONG_HONG, "Công ty Cổ phần Phần mềm Sông Hồng", "01", "I"),
    PersonaEmployer(
        EMPLOYER_THANG_LONG,
        "Công ty TNHH Công nghệ Thăng Long",
        "01",
        "I",
        "0101234567",
        "Số 8 phố Duy Tân, Cầu Giấy, Hà Nội",
    ),
    PersonaEmployer(EMPLOYER_HA_THANH, "Công ty TNHH Dược phẩm Hà Thành", "01", "I"),
    PersonaEmployer(EMPLOYER_DET_MAY, "Công ty Cổ phần Dệt may Thăng Long", "01", "I"),
    PersonaEmployer(EMPLOYER_HONG_HA, "Công ty TNHH Thương mại Hồng Hà", "01", "I"),
    PersonaEmployer(EMPLOYER_TRUONG_SON, "Công ty TNHH Xây dựng Trường Sơn", "01", "I"),
)

AN_ADDRESS = "Số 12 ngõ 45 phố Trần Duy Hưng, Cầu Giấy, Hà Nội"

PERSONAS: tuple[Persona, ...] = (
    Persona(
        si_code=AN,
        citizen_id="001084000001",
        full_name="Nguyễn Văn An",
        date_of_birth=date(1984, 5, 17),
        sex="M",
        province_code="01",
        address=AN_ADDRESS,
        phone="0901000001",
        email="an.nguyen@example.com",
        card=PersonaCard(1, "DN", "01001", date(2018, 3, 1)),
    ),
    Persona(
        si_code=LAN,
        citizen_id="001186000002",
        full_name="Trần Thị Lan",
        date_of_birth=date(1986, 9, 22),
        sex="F",
        province_code="01",
        address=AN_ADDRESS,
        phone="0901000002",
        email="lan.tran@example.com",
        card=PersonaCard(2, "DN", "01003", date(2014, 8, 1)),
    ),
    Persona(
        si_code=MINH,
        citizen_id="001207000003",
        full_name="Nguyễn Đức Minh",
        date_of_birth=date(2007, 6, 1),
        sex="M",
        province_code="01",
        address=AN_ADDRESS,
        phone="0901000003",
        email="minh.nguyen@example.com",
        card=PersonaCard(3, "GD", "01001", date(2012, 6, 1)),
    ),
    Persona(
        si_code=HAN,
        citizen_id="001316000004",
        full_name="Nguyễn Ngọc Hân",
        date_of_birth=date(2016, 2, 14),
        sex="F",
        province_code="01",
        address=AN_ADDRESS,
        phone="0901000004",
        email="han.nguyen@example.com",
        card=PersonaCard(4, "HS", "01012", date(2021, 2, 14)),
    ),
    Persona(
        si_code=HONG,
        citizen_id="001166000005",
        full_name="Lê Thị Hồng",
        date_of_birth=date(1966, 4, 10),
        sex="F",
        province_code="01",
        address="Số 8 ngõ 120 phố Khâm Thiên, Đống Đa, Hà Nội",
        phone="0901000005",
        email="hong.le@example.com",
        card=PersonaCard(5, "HT", "01004", date(1997, 1, 1)),
    ),
    Persona(
        si_code=TUAN,
        citizen_id="001079000006",
        full_name="Hoàng Minh Tuấn",
        date_of_birth=date(1979, 11, 3),
        sex="M",
        province_code="01",
        address="Số 27 ngõ 6 phố Nguyễn Trãi, Thanh Xuân, Hà Nội",
        phone="0901000006",
        email="tuan.hoang@example.com",
        card=PersonaCard(6, "GD", "01008", date(2024, 1, 1)),
    ),
)
PERSONA_BY_SI: dict[str, Persona] = {p.si_code: p for p in PERSONAS}

# The recent dates in persona_records are written as seen on this day; a seed on another day moves them by the
# whole weeks in between, so a Monday-to-Friday sick leave stays one. Older history (a 2016 maternity, a 2021
# pension, jobs that ended) is tied to birth dates and salaries of its time and stays where it is.
REFERENCE_DAY = date(2026, 11, 15)


def persona_records(dates: DemoDates) -> dict[str, PersonaRecords]:
    """Each persona's periods, benefits and visits on ``dates.today``, by SI code; ongoing periods end last month."""
    last_month = month_text(dates.last_declared)
    shift = timedelta(weeks=(dates.today - REFERENCE_DAY).days // 7)
    return {
        AN: PersonaRecords(
            periods=(
                PersonaPeriod(EMPLOYER_SONG_HONG, "2013-03", "2015-12", 6_500_000),
                PersonaPeriod(EMPLOYER_SONG_HONG, "2016-01", "2018-08", 8_800_000),
                PersonaPeriod(EMPLOYER_THANG_LONG, "2018-10", "2020-12", 12_000_000),
                PersonaPeriod(EMPLOYER_THANG_LONG, "2021-01", "2023-12", 15_000_000),
                PersonaPeriod(EMPLOYER_THANG_LONG, "2024-01", month_text(dates.last_declared - 2), 18_500_000),
                # The employer declared the last two months but has not paid them.
                PersonaPeriod(
                    EMPLOYER_THANG_LONG,
                    month_text(dates.last_declared - 1),
                    last_month,
                    18_500_000,
                    status="arrears",
                ),
            ),
            benefits=(
                # Sickness: 75% x 18,500,000 / 24 working days x 5 days.
                PersonaBenefit(
                    "sickness",
                    date(2025, 3, 3) + shift,
                    date(2025, 3, 7) + shift,
                    2_890_625,
                    "paid",
                    date(2025, 3, 28) + shift,
                ),
            ),
            visits=(
                PersonaVisit(
                    "01002",
                    "K35.8",
                    date(2024, 6, 12) + shift,
                    date(2024, 6, 16) + shift,
                    11_840_000,
                    2_960_000,
                    "inpatient",
                ),
                PersonaVisit("01001", "J20.9", date(2025, 3, 3) + shift, date(2025, 3, 3) + shift, 496_000, 124_000),
                PersonaVisit("01001", "K29.7", date(2025, 11, 20) + shift, date(2025, 11, 20) + shift, 304_000, 76_000),
                PersonaVisit("01001", "M54.5", date(2026, 8, 14) + shift, date(2026, 8, 14) + shift, 416_000, 104_000),
            ),
        ),
        LAN: PersonaRecords(
            periods=(
                PersonaPeriod(EMPLOYER_HA_THANH, "2009-08", "2014-12", 4_200_000),
                PersonaPeriod(EMPLOYER_HA_THANH, "2015-01", "2019-12", 7_000_000),
                PersonaPeriod(EMPLOYER_HA_THANH, "2020-01", last_month, 11_000_000),
            ),
            benefits=(
                # Maternity for Hân: 6 x 7,000,000 + 2 x base salary 1,150,000.
                PersonaBenefit("maternity", date(2016, 2, 8), date(2016, 8, 7), 44_300_000, "paid", date(2016, 3, 15)),
            ),
            visits=(
                PersonaVisit("01003", "J02.9", date(2026, 4, 2) + shift, date(2026, 4, 2) + shift, 224_000, 56_000),
            ),
        ),
        MINH: PersonaRecords(
            visits=(
                PersonaVisit(
                    "01003",
                    "A91",
                    date(2025, 9, 8) + shift,
                    date(2025, 9, 13) + shift,
                    5_120_000,
                    1_280_000,
                    "inpatient",
                ),
            ),
        ),
        HAN: PersonaRecords(
            visits=(
                PersonaVisit("01006", "B01.9", date(2022, 4, 11) + shift, date(2022, 4, 11) + shift, 280_000, 70_000),
                PersonaVisit("01012", "J06.9", date(2024, 12, 5) + shift, date(2024, 12, 5) + shift, 144_000, 36_000),
            ),
        ),
        HONG: PersonaRecords(
            periods=(
                PersonaPeriod(EMPLOYER_DET_MAY, "1990-09", "1994-12", 180_000),
                PersonaPeriod(EMPLOYER_DET_MAY, "1995-01", "1999-12", 450_000),
                PersonaPeriod(EMPLOYER_DET_MAY, "2000-01", "2003-12", 900_000),
                PersonaPeriod(EMPLOYER_HONG_HA, "2004-02", "2008-12", 1_600_000),
                PersonaPeriod(EMPLOYER_HONG_HA, "2009-01", "2013-12", 3_200_000),
                PersonaPeriod(EMPLOYER_HONG_HA, "2014-01", "2018-12", 5_800_000),
                PersonaPeriod(EMPLOYER_HONG_HA, "2019-01", "2021-08", 8_600_000),
            ),
            benefits=(
                # She reached 55 y 4 m in 08/2021 (Decree 135/2020): pension from 01/09/2021, 30 y 11 m paid -> 75%.
                PersonaBenefit("pension", date(2021, 9, 1), None, 8_050_000, "active", date(2021, 8, 20), monthly=True),
            ),
            visits=(
                PersonaVisit("01004", "I10", date(2023, 5, 10) + shift, date(2023, 5, 10) + shift, 617_500, 32_500),
                PersonaVisit("01004", "I10", date(2024, 5, 14) + shift, date(2024, 5, 14) + shift, 617_500, 32_500),
                PersonaVisit("01004", "I10", date(2025, 5, 12) + shift, date(2025, 5, 12) + shift, 617_500, 32_500),
                PersonaVisit("01004", "E78.5", date(2026, 2, 20) + shift, date(2026, 2, 20) + shift, 399_000, 21_000),
            ),
        ),
        TUAN: PersonaRecords(
            periods=(
                PersonaPeriod(EMPLOYER_TRUONG_SON, "2003-05", "2007-12", 1_800_000),
                PersonaPeriod(EMPLOYER_TRUONG_SON, "2008-01", "2012-12", 3_500_000),
                PersonaPeriod(None, "2020-01", "2023-06", 3_000_000),
                PersonaPeriod(None, "2023-07", last_month, 4_500_000),
            ),
            visits=(
                PersonaVisit("01008", "H10.9", date(2026, 6, 3) + shift, date(2026, 6, 3) + shift, 152_000, 38_000),
            ),
        ),
    }


PERSONA_HOUSEHOLDS: tuple[PersonaHousehold, ...] = (
    PersonaHousehold(
        "HGD" + AN,
        AN_ADDRESS,
        "01",
        (
            PersonaMember(AN, "head", "not_required"),
            PersonaMember(LAN, "spouse", "given"),
            PersonaMember(MINH, "child", "given"),
            PersonaMember(HAN, "child", "not_required"),  # under 18: no consent needed
        ),
    ),
    PersonaHousehold(
        "HGD" + TUAN,
        "Số 27 ngõ 6 phố Nguyễn Trãi, Thanh Xuân, Hà Nội",
        "01",
        (PersonaMember(TUAN, "head", "not_required"),),
    ),
)

STAFF_USERNAME = "staff.hanoi"
STAFF_DISPLAY_NAME = "Nguyễn Văn Quản"
CLINIC_CLIENT_ID = "clinic-01001"
CLINIC_FACILITY_CODE = "01001"
CLINIC_SECRET = "demo-clinic-secret"  # dev only: the caller hashes it and passes clinic_secret_hash
# The gateway account of facility 01001 (specs/vss-gateway.md): its password is the clinic secret, sent as MD5 hex.
GATEWAY_USERNAME = "01001_BV"
# Facility 01001's admin (a person's account, password + one-time code) and its registered checking staff member.
FACILITY_ADMIN_USERNAME = "admin.01001"
FACILITY_ADMIN_DISPLAY_NAME = "Phạm Thị Quản Trị"
REGISTERED_STAFF = (("Trần Văn Bình", "001090012345"),)

# Thăng Long's HR clerk (codes to the dev outbox at this e-mail) and its declaration software.
HR_USERNAME = "hr.thanglong"
HR_DISPLAY_NAME = "Trần Thu Hà"
HR_EMAIL = "hr.thanglong@example.com"
HR_EMPLOYER = EMPLOYER_THANG_LONG
EMPLOYER_CLIENT_ID = "employer-TA0002A"
EMPLOYER_SECRET = "demo-employer-secret"  # dev only: the caller hashes it and passes employer_secret_hash

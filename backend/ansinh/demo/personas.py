"""The fixed demo personas: documented people whose records tests, the README and demos rely on."""

from dataclasses import dataclass, field
from datetime import date

from ansinh.demo.reference import GROUP_LEVEL


@dataclass(frozen=True, slots=True)
class PersonaEmployer:
    """An employer that exists for the personas' histories."""

    code: str
    name: str
    province_code: str
    wage_region: str


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
    """The persona's health-insurance card."""

    serial: str
    group: str
    facility_code: str
    valid_from: date
    valid_to: date
    five_year_date: date | None
    status: str = "active"

    @property
    def level(self) -> int:
        return GROUP_LEVEL[self.group]


@dataclass(frozen=True, slots=True)
class Persona:
    """A fixed person of the demo registry."""

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
    periods: tuple[PersonaPeriod, ...] = ()
    benefits: tuple[PersonaBenefit, ...] = ()
    visits: tuple[PersonaVisit, ...] = field(default=())

    @property
    def legacy_code(self) -> str:
        """The pre-2021 15-character card code: group, level, province, SI code."""
        return f"{self.card.group}{self.card.level}{self.province_code}{self.si_code}"


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
MINH = "0100000003"  # An's son, 19, household-enrolled (GD card), consent given
HAN = "0100000004"  # An's daughter, 10, pupil (HS card), consent not required
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
    PersonaEmployer(EMPLOYER_THANG_LONG, "Công ty TNHH Công nghệ Thăng Long", "01", "I"),
    PersonaEmployer(EMPLOYER_HA_THANH, "Công ty TNHH Dược phẩm Hà Thành", "01", "I"),
    PersonaEmployer(EMPLOYER_DET_MAY, "Công ty Cổ phần Dệt may Thăng Long", "01", "I"),
    PersonaEmployer(EMPLOYER_HONG_HA, "Công ty TNHH Thương mại Hồng Hà", "01", "I"),
    PersonaEmployer(EMPLOYER_TRUONG_SON, "Công ty TNHH Xây dựng Trường Sơn", "01", "I"),
)

AN_ADDRESS = "Số 12 ngõ 45 phố Trần Duy Hưng, Cầu Giấy, Hà Nội"
CARD_YEAR_FROM = date(2026, 1, 1)
CARD_YEAR_TO = date(2026, 12, 31)

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
        card=PersonaCard("C26-0000001", "DN", "01001", CARD_YEAR_FROM, CARD_YEAR_TO, date(2018, 3, 1)),
        periods=(
            PersonaPeriod(EMPLOYER_SONG_HONG, "2013-03", "2015-12", 6_500_000),
            PersonaPeriod(EMPLOYER_SONG_HONG, "2016-01", "2018-08", 8_800_000),
            PersonaPeriod(EMPLOYER_THANG_LONG, "2018-10", "2020-12", 12_000_000),
            PersonaPeriod(EMPLOYER_THANG_LONG, "2021-01", "2023-12", 15_000_000),
            PersonaPeriod(EMPLOYER_THANG_LONG, "2024-01", "2026-08", 18_500_000),
            # The employer declared September and October 2026 but has not paid them.
            PersonaPeriod(EMPLOYER_THANG_LONG, "2026-09", "2026-10", 18_500_000, status="arrears"),
        ),
        benefits=(
            # Sickness: 75% x 18,500,000 / 24 working days x 5 days.
            PersonaBenefit("sickness", date(2025, 3, 3), date(2025, 3, 7), 2_890_625, "paid", date(2025, 3, 28)),
        ),
        visits=(
            PersonaVisit("01002", "K35.8", date(2024, 6, 12), date(2024, 6, 16), 11_840_000, 2_960_000, "inpatient"),
            PersonaVisit("01001", "J20.9", date(2025, 3, 3), date(2025, 3, 3), 496_000, 124_000),
            PersonaVisit("01001", "K29.7", date(2025, 11, 20), date(2025, 11, 20), 304_000, 76_000),
            PersonaVisit("01001", "M54.5", date(2026, 8, 14), date(2026, 8, 14), 416_000, 104_000),
        ),
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
        card=PersonaCard("C26-0000002", "DN", "01003", CARD_YEAR_FROM, CARD_YEAR_TO, date(2014, 8, 1)),
        periods=(
            PersonaPeriod(EMPLOYER_HA_THANH, "2009-08", "2014-12", 4_200_000),
            PersonaPeriod(EMPLOYER_HA_THANH, "2015-01", "2019-12", 7_000_000),
            PersonaPeriod(EMPLOYER_HA_THANH, "2020-01", "2026-10", 11_000_000),
        ),
        benefits=(
            # Maternity for Hân: 6 x 7,000,000 + 2 x base salary 1,150,000.
            PersonaBenefit("maternity", date(2016, 2, 8), date(2016, 8, 7), 44_300_000, "paid", date(2016, 3, 15)),
        ),
        visits=(PersonaVisit("01003", "J02.9", date(2026, 4, 2), date(2026, 4, 2), 224_000, 56_000),),
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
        card=PersonaCard("C26-0000003", "GD", "01001", CARD_YEAR_FROM, CARD_YEAR_TO, date(2012, 6, 1)),
        visits=(PersonaVisit("01003", "A91", date(2025, 9, 8), date(2025, 9, 13), 5_120_000, 1_280_000, "inpatient"),),
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
        card=PersonaCard("C26-0000004", "HS", "01012", CARD_YEAR_FROM, CARD_YEAR_TO, date(2021, 2, 14)),
        visits=(
            PersonaVisit("01006", "B01.9", date(2022, 4, 11), date(2022, 4, 11), 280_000, 70_000),
            PersonaVisit("01012", "J06.9", date(2024, 12, 5), date(2024, 12, 5), 144_000, 36_000),
        ),
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
        card=PersonaCard("C26-0000005", "HT", "01004", CARD_YEAR_FROM, CARD_YEAR_TO, date(1997, 1, 1)),
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
            PersonaVisit("01004", "I10", date(2023, 5, 10), date(2023, 5, 10), 617_500, 32_500),
            PersonaVisit("01004", "I10", date(2024, 5, 14), date(2024, 5, 14), 617_500, 32_500),
            PersonaVisit("01004", "I10", date(2025, 5, 12), date(2025, 5, 12), 617_500, 32_500),
            PersonaVisit("01004", "E78.5", date(2026, 2, 20), date(2026, 2, 20), 399_000, 21_000),
        ),
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
        card=PersonaCard("C26-0000006", "GD", "01008", CARD_YEAR_FROM, CARD_YEAR_TO, date(2024, 1, 1)),
        periods=(
            PersonaPeriod(EMPLOYER_TRUONG_SON, "2003-05", "2007-12", 1_800_000),
            PersonaPeriod(EMPLOYER_TRUONG_SON, "2008-01", "2012-12", 3_500_000),
            PersonaPeriod(None, "2020-01", "2023-06", 3_000_000),
            PersonaPeriod(None, "2023-07", "2026-10", 4_500_000),
        ),
        visits=(PersonaVisit("01008", "H10.9", date(2026, 6, 3), date(2026, 6, 3), 152_000, 38_000),),
    ),
)
PERSONA_BY_SI: dict[str, Persona] = {p.si_code: p for p in PERSONAS}

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

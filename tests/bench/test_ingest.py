"""The ingest benchmark's envelopes are taken whole by the server, and the benchmark sees it when they are not."""

from datetime import date

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus
from ansinh.core.settings import Settings
from ansinh.identity.models import DatePrecision
from ansinh.records.models import MedicalVisit, MedicalVisitLine
from bench import ingest
from tests.factories import make_card, make_clinic_client, make_gateway_account, make_person
from tests.gateway.conftest import signed_in

DAY = date(2026, 12, 6)


async def _facility_and_people(db: AsyncSession) -> None:
    """The bench's facility 01001 with its gateway account, and three people: two whose card is in force (one known
    by the birth year only), one whose card is suspended (the benchmark leaves them out)."""
    client, facility = await make_clinic_client(db, client_id="clinic-01001", code=ingest.FACILITY, province_code="01")
    await make_gateway_account(db, client=client, username="01001_BV")
    lan = await make_person(db, full_name="Nguyễn Thị Lan", date_of_birth=date(1990, 5, 17))
    await make_card(db, person=lan, facility=facility)
    old = await make_person(
        db, full_name="Lê Văn Tư", date_of_birth=date(1948, 1, 1), birth_date_precision=DatePrecision.YEAR
    )
    await make_card(db, person=old, facility=facility)
    other = await make_person(db, full_name="Phạm Văn Năm")
    await make_card(db, person=other, facility=facility, status=CardStatus.SUSPENDED.value)


async def test_the_benchmark_sends_envelopes_the_server_takes_whole(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    await _facility_and_people(db_session)
    patients = await ingest.sample_patients(settings.database_url, count=10, on=DAY)
    assert sorted(p.birth for p in patients) == ["1948", "199005170000"]
    [(form, size)] = ingest.build_envelopes(patients, run="t1", first=1, count=1, visits=2, lines=20, day=DAY)
    session = await signed_in(client)

    answers = await ingest.post_envelopes(client, session.headers(), [form], clients=1)

    assert ingest.failures(answers, visits=2) == []
    assert (answers[0].status, answers[0].accepted, answers[0].refusals) == (200, 2, 0)
    assert await ingest.stored(settings.database_url, "t1") == (2, 2 * 2 * 20)
    visits = (await db_session.exec(select(MedicalVisit))).all()
    for visit in visits:  # XML1's sums are those of the 40 lines, 80 % paid by the fund
        lines = (await db_session.exec(select(MedicalVisitLine).where(MedicalVisitLine.visit_id == visit.id))).all()
        assert visit.total_cost == sum(line.amount for line in lines) > 0
        assert visit.hi_paid == sum(line.hi_paid for line in lines) == visit.total_cost * 4 // 5
        assert sorted({line.source_table for line in lines}) == ["XML2", "XML3"]
    assert size < 2 * 60_000  # each visit's tables, base64 in the envelope, ~50 KB at 20 + 20 lines


async def test_the_benchmark_counts_a_refused_visit_as_a_failure(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    await _facility_and_people(db_session)
    [known, *_] = await ingest.sample_patients(settings.database_url, count=10, on=DAY)
    stranger = ingest.Patient(full_name="Người Lạ", birth="199001010000", card="0199999999", citizen_id="001090999999")
    [(form, _)] = ingest.build_envelopes([known, stranger], run="t2", first=1, count=1, visits=2, lines=2, day=DAY)
    session = await signed_in(client)

    answers = await ingest.post_envelopes(client, session.headers(), [form], clients=1)

    [failure] = ingest.failures(answers, visits=2)
    assert "1 of 2 taken, 1 refusals" in failure
    assert await ingest.stored(settings.database_url, "t2") == (1, 2 * 2)

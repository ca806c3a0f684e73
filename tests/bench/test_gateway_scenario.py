"""The gateway card-check scenario of the load run: its request bodies, its URL, its data and its figure.

Each request checks another card, named by another registered staff member (an identical check within 10 s would be
a retry, answered without the work); every card has 10 visits and 20 earlier checks; the figure is reported with its
ratio to clinic look-up (issue 20's goal: at least 0.5 of it).
"""

import itertools
import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

from bench.fixtures import (
    CHECKING_STAFF,
    STAFF_POOL,
    GatewayCard,
    gateway_bodies,
    give_history,
    register_checking_staff,
    sample_gateway_cards,
)
from bench.results import Result
from bench.run import all_ratios, gateway_check_url, markdown
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.records.models import MedicalVisit
from tests.factories import make_card, make_citizen, make_facility
from tests.gateway.conftest import GatewayFacility, gateway_facility, signed_in  # noqa: F401  (the fixture)

HIS_FIELDS = {"maThe", "hoTen", "ngaySinh", "hoTenCb", "cccdCb"}


def cards(count: int) -> list[GatewayCard]:
    return [
        GatewayCard(
            person_id=n,
            card_id=n,
            facility_id=1,
            card_number=f"01{n:08d}",
            full_name="Nguyễn Thị Lan",
            birth_date="17/05/1990",
        )
        for n in range(1, count + 1)
    ]


def test_each_body_is_what_hospital_software_sends() -> None:
    body = json.loads(gateway_bodies(cards(3), 1)[0])
    assert set(body) == HIS_FIELDS
    assert (body["maThe"], body["hoTen"], body["ngaySinh"]) == ("0100000001", "Nguyễn Thị Lan", "17/05/1990")
    assert body["hoTenCb"] == CHECKING_STAFF
    assert len(body["cccdCb"]) == 12
    assert body["cccdCb"].isdigit()
    assert "Nguyễn" in gateway_bodies(cards(1), 1)[0]  # UTF-8 as HIS sends it, not \u escapes


def test_each_request_names_another_card_and_another_staff_member_and_none_repeats() -> None:
    for count in (2, 7, 500, 502, 2000):  # 2 and 502: a step of one would repeat a staff member at the turn
        sent = [json.loads(line) for line in gateway_bodies(cards(count), 6000)]
        for before, after in itertools.pairwise(sent):
            assert before["maThe"] != after["maThe"], count
            assert before["cccdCb"] != after["cccdCb"], count
        # No body repeats before every card has been checked by every staff member.
        assert len({(b["maThe"], b["cccdCb"]) for b in sent}) == min(len(sent), count * STAFF_POOL), count
        assert len({b["cccdCb"] for b in sent}) == STAFF_POOL  # the whole registered pool takes turns


def test_the_check_url_repeats_the_session_in_its_query_string() -> None:
    api_key = {"access_token": "a+b/c", "id_token": "id-1", "username": "01001_BV"}
    url = gateway_check_url("http://127.0.0.1:8123", api_key, "5f4dcc3b5aa765d61d8327deb882cf99")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("127.0.0.1:8123", "/api/egw/KQNhanLichSuKCB2024")
    assert parse_qs(parts.query) == {
        "token": ["a+b/c"],
        "id_token": ["id-1"],
        "username": ["01001_BV"],
        "password": ["5f4dcc3b5aa765d61d8327deb882cf99"],
    }


def test_the_gateway_figure_is_reported_with_its_ratio_to_clinic_look_up() -> None:
    results = [
        Result(name=name, requests=requests, errors=0, duration_s=10.0, p50_ms=5.0, p99_ms=20.0)
        for name, requests in (("health_live", 50_000), ("clinic_lookup", 10_000), ("gateway_check", 6_000))
    ]
    ratios = all_ratios(results)
    assert ratios["gateway_check"]["clinic_lookup"] == 0.6
    assert "clinic_lookup" not in ratios["clinic_lookup"]
    table = markdown(results, ratios).splitlines()
    assert "ratio to look-up" in table[0]
    gateway_row = next(line for line in table if line.startswith("| gateway_check "))
    assert "| 0.6 |" in gateway_row
    # Without a look-up figure in the run there is no ratio to report.
    assert all_ratios(results[::2])["gateway_check"]["clinic_lookup"] is None


async def test_the_prepared_cards_answer_000_with_10_visits_and_20_earlier_checks(
    client: AsyncTestClient[Litestar],
    db_session: AsyncSession,
    gateway_facility: GatewayFacility,  # noqa: F811
) -> None:
    facility = await make_facility(db_session, code="01002", name="Bệnh viện Hữu nghị", province_code="01")
    _, few = await make_citizen(db_session, full_name="Nguyễn Thị Lan", date_of_birth=date(1990, 5, 17))
    _, none = await make_citizen(db_session, full_name="Trần Văn Hải", date_of_birth=date(1975, 1, 2))
    await make_card(db_session, person=few, facility=facility)
    await make_card(db_session, person=none, facility=facility)
    for day in (date(2025, 1, 6), date(2025, 2, 3), date(2025, 3, 3)):  # three visits already on record
        db_session.add(
            MedicalVisit(person_id=few.id, facility_id=facility.id, admission_date=day, status="in_progress")  # type: ignore[arg-type]
        )
    await db_session.commit()
    await register_checking_staff(db_session)

    sampled = await sample_gateway_cards(db_session, count=10, seed=1, exclude=[none.id])  # type: ignore[list-item]
    assert [card.person_id for card in sampled] == [few.id]
    prepared = await sample_gateway_cards(db_session, count=10, seed=1, exclude=[])
    await give_history(db_session, prepared)
    session = await signed_in(client)

    async def check(body: str) -> dict:
        response = await client.post(
            "/api/egw/KQNhanLichSuKCB2024",
            params=session.query(),
            content=body.encode(),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 200
        return response.json()

    bodies = gateway_bodies(prepared, 2 * len(prepared))
    for body in bodies[: len(prepared)]:
        answer = await check(body)
        assert answer["maKetQua"] == "000", answer["ghiChu"]
        assert len(answer["dsLichSuKCB2018"]) == 10  # three on record topped up to ten; none topped up to ten
        assert len(answer["dsLichSuKT2018"]) == 20
    # A second preparation tops up and resets: still 10 visits, and the run's own checks replaced by 20 again.
    await give_history(db_session, prepared)
    for body in bodies[len(prepared) :]:
        answer = await check(body)
        assert (len(answer["dsLichSuKCB2018"]), len(answer["dsLichSuKT2018"])) == (10, 20)

"""Household HI quotes: who is priced, in which order, at which factor, and the base salary of the Vietnam date."""

from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.time import today_vn
from ansinh.households import billing
from ansinh.households.models import ConsentState, Household, HouseholdMember, Relation
from tests.factories import make_person
from tests.households.conftest import Family, FamilyBuilder, Member
from tests.support.problems import assert_problem

Client = AsyncTestClient[Litestar]
QUOTE = "/api/v1/households/mine/quote"
PAID_UNTIL = date(2030, 6, 30)  # the members' household (GD) cards run until then: coverage continues on 1 July
ADULT = date(1982, 8, 8)


async def six_payable(builder: FamilyBuilder) -> list[Member]:
    """A consenting spouse and five children, all on household cards, enrolled in this order."""
    members = [
        await builder.add(
            "Phạm Thị Vợ", born=ADULT, relation=Relation.SPOUSE, consent=ConsentState.GIVEN, valid_to=PAID_UNTIL
        ),
    ]
    for n, name in enumerate(["Lê Văn Một", "Lê Thị Hai", "Lê Văn Ba", "Lê Thị Bốn", "Lê Văn Năm"]):
        members.append(await builder.add(name, born=date(2010 + n, 1, 15), valid_to=PAID_UNTIL))
    return members


async def test_a_quote_prices_every_member_who_needs_household_hi_by_enrolment_order(
    client: Client, family: Family, builder: FamilyBuilder
) -> None:
    members = await six_payable(builder)
    response = await client.get(QUOTE, params={"months": 3}, headers=family.head.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    # The head works for an employer (DN card): not in the household quote, so the spouse is k = 1.
    assert body == {
        "base_salary": 2_530_000,
        "base_salary_effective_from": "2026-07-01",
        "rate_percent": "4.5",
        "priced_on": today_vn().isoformat(),
        "months": 3,
        "lines": [
            {
                "member_id": m.member.id,
                "name": m.person.full_name,
                "order": k,
                "factor": factor,
                "monthly_amount": monthly,
                "amount": amount,
                "covered_from": "2030-07-01",
                "covered_until": "2030-09-30",
            }
            for k, (m, factor, monthly, amount) in enumerate(
                zip(
                    members,
                    [1.0, 0.7, 0.6, 0.5, 0.4, 0.4],
                    [113_850, 79_695, 68_310, 56_925, 45_540, 45_540],
                    [341_550, 239_085, 204_930, 170_775, 136_620, 136_620],
                    strict=True,
                ),
                start=1,
            )
        ],
        "total": 1_229_580,
    }


@pytest.mark.parametrize(
    ("months", "amount", "until"),
    [(3, 341_550, "2030-09-30"), (6, 683_100, "2030-12-31"), (12, 1_366_200, "2031-06-30")],
)
async def test_the_period_multiplies_the_monthly_amount_and_extends_the_coverage(
    client: Client, family: Family, builder: FamilyBuilder, months: int, amount: int, until: str
) -> None:
    child = await builder.add("Lê Văn Một", born=date(2012, 1, 1), valid_to=PAID_UNTIL)
    response = await client.get(QUOTE, params={"months": months}, headers=family.head.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [
        (line["member_id"], line["monthly_amount"], line["amount"], line["covered_until"]) for line in body["lines"]
    ] == [(child.member.id, 113_850, amount, until)]
    assert body["total"] == amount


async def test_chosen_members_are_ordered_among_themselves_whatever_the_order_asked(
    client: Client, family: Family, builder: FamilyBuilder
) -> None:
    members = await six_payable(builder)
    third, fifth = members[2], members[4]
    for params in (
        {"months": 12, "member_ids": f"{fifth.member.id},{third.member.id}"},  # comma-separated
        [("months", 12), ("member_ids", fifth.member.id), ("member_ids", third.member.id)],  # repeated
    ):
        response = await client.get(QUOTE, params=params, headers=family.head.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert [(line["member_id"], line["order"], line["factor"], line["amount"]) for line in body["lines"]] == [
            (third.member.id, 1, 1.0, 1_366_200),
            (fifth.member.id, 2, 0.7, 956_340),
        ]
        assert body["total"] == 2_322_540


async def test_the_quote_leaves_out_members_covered_elsewhere_and_adults_without_consent(
    client: Client, family: Family, builder: FamilyBuilder
) -> None:
    await builder.add("Lê Văn Học Sinh", born=date(2010, 9, 1), group="HS", valid_to=date(2099, 8, 31))
    await builder.add(
        "Phạm Văn Làm",
        born=ADULT,
        relation=Relation.SIBLING,
        consent=ConsentState.GIVEN,
        group="DN",
        valid_to=date(2099, 12, 31),
    )
    await builder.add("Phạm Thị Chờ", born=ADULT, relation=Relation.SPOUSE, consent=ConsentState.PENDING)
    await builder.add("Lê Thị Rút", born=ADULT, relation=Relation.SIBLING, consent=ConsentState.WITHDRAWN)
    consenting = await builder.add(
        "Lê Văn Đồng Ý", born=ADULT, relation=Relation.PARENT, consent=ConsentState.GIVEN, valid_to=PAID_UNTIL
    )
    no_card = await builder.add("Lê Bé Mới", born=date(2026, 2, 2), group=None)
    response = await client.get(QUOTE, params={"months": 3}, headers=family.head.headers)
    assert response.status_code == 200, response.text
    lines = response.json()["lines"]
    assert [(line["member_id"], line["order"], line["monthly_amount"]) for line in lines] == [
        (consenting.member.id, 1, 113_850),
        (no_card.member.id, 2, 79_695),
    ]
    assert lines[1]["covered_from"] == today_vn().isoformat()  # no household card yet: covered from the payment day


async def test_a_card_of_another_scheme_that_has_ended_no_longer_excludes(
    client: Client, family: Family, builder: FamilyBuilder
) -> None:
    left_job = await builder.add(
        "Phạm Văn Nghỉ",
        born=ADULT,
        relation=Relation.SPOUSE,
        consent=ConsentState.GIVEN,
        group="DN",
        valid_to=date(2026, 1, 31),
    )
    response = await client.get(QUOTE, params={"months": 3}, headers=family.head.headers)
    assert response.status_code == 200, response.text
    assert [(line["member_id"], line["covered_from"]) for line in response.json()["lines"]] == [
        (left_job.member.id, today_vn().isoformat())
    ]


async def test_member_ids_that_cannot_be_paid_for_are_named_in_a_400(
    client: Client, family: Family, builder: FamilyBuilder
) -> None:
    child = await builder.add("Lê Văn Một", born=date(2012, 1, 1))
    pending = await builder.add("Phạm Thị Chờ", born=ADULT, relation=Relation.SPOUSE, consent=ConsentState.PENDING)
    unknown = 999_999
    ids = [child.member.id, pending.member.id, family.head.member.id, unknown]
    response = await client.get(
        QUOTE, params={"months": 3, "member_ids": ",".join(map(str, ids))}, headers=family.head.headers
    )
    body = assert_problem(response, 400, "invalid-request")
    assert body["member_ids"] == sorted([pending.member.id, family.head.member.id, unknown])


async def test_member_ids_of_another_household_are_refused(
    client: Client, family: Family, builder: FamilyBuilder, db_session: AsyncSession
) -> None:

    await builder.add("Lê Văn Một", born=date(2012, 1, 1))
    neighbour = await make_person(db_session, full_name="Hàng Xóm", date_of_birth=date(2011, 1, 1))
    other = Household(code="HGD79OTHER001", address="1 Nguyễn Huệ", province_code="79", head_person_id=neighbour.id)
    db_session.add(other)
    await db_session.commit()
    row = HouseholdMember(household_id=other.id, person_id=neighbour.id, relation=Relation.HEAD, enrolment_order=1)
    db_session.add(row)
    await db_session.commit()
    response = await client.get(QUOTE, params={"months": 3, "member_ids": str(row.id)}, headers=family.head.headers)
    assert assert_problem(response, 400, "invalid-request")["member_ids"] == [row.id]


async def test_member_ids_must_be_integers(client: Client, family: Family, builder: FamilyBuilder) -> None:
    await builder.add("Lê Văn Một", born=date(2012, 1, 1))
    response = await client.get(QUOTE, params={"months": 3, "member_ids": "1,abc"}, headers=family.head.headers)
    assert "member_ids" in assert_problem(response, 400, "invalid-request")["detail"]


@pytest.mark.parametrize("months", ["1", "4", "24", "0", "-3", "abc", ""])
async def test_months_other_than_3_6_or_12_are_a_400(
    client: Client, family: Family, builder: FamilyBuilder, months: str
) -> None:
    await builder.add("Lê Văn Một", born=date(2012, 1, 1))
    response = await client.get(QUOTE, params={"months": months}, headers=family.head.headers)
    assert_problem(response, 400, "invalid-request")


async def test_months_is_required(client: Client, family: Family) -> None:
    response = await client.get(QUOTE, headers=family.head.headers)
    assert_problem(response, 400, "invalid-request")


async def test_a_household_where_nobody_needs_household_hi_gets_a_409(client: Client, family: Family) -> None:
    response = await client.get(QUOTE, params={"months": 3}, headers=family.head.headers)  # only the employed head
    assert_problem(response, 409, "conflict")


async def test_only_the_head_gets_a_quote(client: Client, family: Family, builder: FamilyBuilder) -> None:
    adult = await builder.add(
        "Phạm Thị Vợ", born=ADULT, relation=Relation.SPOUSE, consent=ConsentState.GIVEN, with_account=True
    )
    response = await client.get(QUOTE, params={"months": 3}, headers=adult.headers)
    assert_problem(response, 403, "not-household-head")
    assert_problem(await client.get(QUOTE, params={"months": 3}), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("now", "priced_on", "base", "monthly", "total"),
    [
        # 23:59 on 30 June in Hà Nội: the 2024 base salary still applies.
        (
            datetime(2026, 6, 30, 16, 59, tzinfo=UTC),
            date(2026, 6, 30),
            2_340_000,
            [105_300, 73_710, 63_180, 52_650, 42_120],
            1_010_880,
        ),
        # 00:00 on 1 July in Hà Nội, still 30 June in UTC: the 2026 base salary applies.
        (
            datetime(2026, 6, 30, 17, 0, tzinfo=UTC),
            date(2026, 7, 1),
            2_530_000,
            [113_850, 79_695, 68_310, 56_925, 45_540],
            1_092_960,
        ),
    ],
)
async def test_the_base_salary_is_the_one_in_force_on_the_vietnam_date(
    db_session: AsyncSession,
    family: Family,
    builder: FamilyBuilder,
    now: datetime,
    priced_on: date,
    base: int,
    monthly: list[int],
    total: int,
) -> None:
    for n in range(5):
        await builder.add(f"Lê Con {n + 1}", born=date(2010 + n, 1, 1), valid_to=PAID_UNTIL)
    assert family.head.account is not None
    quote = await billing.quote(db_session, account_id=family.head.account.id, months=3, member_ids=None, now=now)
    assert (quote.priced_on, quote.base_salary) == (priced_on, base)
    assert [line.monthly_amount for line in quote.lines] == monthly
    assert [line.factor for line in quote.lines] == [1.0, 0.7, 0.6, 0.5, 0.4]
    assert quote.total == total

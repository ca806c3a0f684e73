"""The runner and `ansinh jobs run-due`: every task once, counts per task, and nothing twice on a second run."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from click.testing import CliRunner, Result
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.__main__ import cli
from ansinh.core.settings import Settings, get_settings
from ansinh.employers.models import EmployerDue
from ansinh.jobs import due
from ansinh.jobs.runner import DUE_TASKS, run_due
from ansinh.notifications.models import Notification
from tests.factories import bearer_for, make_card, make_citizen, make_facility
from tests.households.conftest import Family, FamilyBuilder
from tests.notifications.conftest import Browser, PushService
from tests.records.conftest import make_employer

TODAY = date(2026, 11, 20)


async def test_a_second_run_on_the_same_day_tells_and_pushes_nothing_again(
    app: Litestar,
    engine: AsyncEngine,
    db_session: AsyncSession,
    settings: Settings,
    family: Family,
    builder: FamilyBuilder,
    push_service: PushService,
) -> None:
    await builder.add("Lê Thị An", born=date(2015, 1, 1), valid_to=TODAY + timedelta(days=20))
    employer = await make_employer(db_session)
    # October declared and not paid: the employer's ledger owes it (tests/employers covers how dues are made).
    db_session.add(
        EmployerDue(
            employer_id=employer.id,  # type: ignore[arg-type]
            person_id=family.head.person.id,  # type: ignore[arg-type]
            month="2026-10",
            salary_base=10_000_000,
            funds="RS,SM,OA,UI,HI",
            employer_amount=2_150_000,
            employee_amount=1_050_000,
            rule_version="test",
        )
    )
    await db_session.commit()
    async with AsyncTestClient(app=app) as client:
        response = await client.post(
            "/api/v1/me/push-subscriptions",
            json=Browser().subscription(push_service.endpoint("head")),
            headers=family.head.headers,
        )
        assert response.status_code == 201, response.text

    first = await run_due(settings, today=TODAY, engine=engine)
    assert first.failed == []
    # The head: arrears and the household payment; the child (no account, no device): the card ending.
    mine = ("employer_arrears", "card_expiring", "household_payment_due", "deliver_push")
    assert {name: first.counts[name] for name in mine} == {
        "employer_arrears": 1,
        "card_expiring": 1,
        "household_payment_due": 1,
        "deliver_push": 2,
    }
    assert len(push_service.to("head")) == 2

    second = await run_due(settings, today=TODAY, engine=engine)
    assert second.counts == {name: 0 for name, _ in DUE_TASKS}
    assert len(push_service.received) == 2
    states = sorted((await db_session.exec(select(Notification.push_state))).all())
    assert states == ["none", "sent", "sent"]


async def test_a_failing_task_is_reported_and_the_others_still_run(
    engine: AsyncEngine, db_session: AsyncSession, settings: Settings
) -> None:
    facility = await make_facility(db_session)
    _, person = await make_citizen(db_session)
    await make_card(db_session, person=person, facility=facility, valid_to=TODAY)

    async def broken(db: AsyncSession, today: date, settings: Settings) -> int:
        raise RuntimeError("boom")

    report = await run_due(
        settings, today=TODAY, engine=engine, tasks=(("broken", broken), ("card_expiring", due.card_expiring))
    )
    assert report.failed == ["broken"]
    assert report.counts == {"card_expiring": 1}
    assert "broken: FAILED" in report.summary()


# --- the command --------------------------------------------------------------------------------------------------


@pytest.fixture
def invoke(settings: Settings) -> Callable[..., Result]:
    """Run `ansinh ...` in-process against the test database, with the settings cache cleared around each call."""
    runner = CliRunner()
    env = {"ANSINH_ENV": "dev", "ANSINH_DATABASE_URL": settings.database_url, "ANSINH_SECRET_KEY": settings.secret_key}

    def _invoke(*args: str) -> Result:
        get_settings.cache_clear()
        try:
            return runner.invoke(cli, list(args), env=env)
        finally:
            get_settings.cache_clear()

    return _invoke


@pytest.fixture
async def expiring_card(db_session: AsyncSession, settings: Settings) -> dict[str, str]:
    facility = await make_facility(db_session)
    account, person = await make_citizen(db_session)
    await make_card(db_session, person=person, facility=facility, valid_to=TODAY + timedelta(days=30))
    return bearer_for(settings, account)


def test_the_command_runs_every_task_and_prints_counts(
    invoke: Callable[..., Result], expiring_card: dict[str, str]
) -> None:
    first = invoke("jobs", "run-due", "--today", "2026-11-20")
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert [line.split(":")[0] for line in lines] == [name for name, _ in DUE_TASKS]  # every task, in order
    assert {"employer_arrears: 0", "card_expiring: 1", "household_payment_due: 0", "deliver_push: 0"} <= set(lines)
    again = invoke("jobs", "run-due", "--today", "2026-11-20")
    assert again.exit_code == 0, again.output
    assert "card_expiring: 0" in again.output.splitlines()
    too_early = invoke("jobs", "run-due", "--today", "2026-10-20", "--task", "card_expiring")
    assert too_early.output.splitlines() == ["card_expiring: 0"]


def test_the_command_refuses_an_unknown_task_or_a_bad_date(invoke: Callable[..., Result]) -> None:
    unknown = invoke("jobs", "run-due", "--task", "nope")
    assert unknown.exit_code == 2
    assert "unknown task nope" in unknown.output
    bad_date = invoke("jobs", "run-due", "--today", "2026-13-01")
    assert bad_date.exit_code == 2

"""The demo's "now": every date the demo data move with, derived from the Vietnam date the seed runs on."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ansinh.core.time import VN_TZ
from ansinh.demo.reference import month_index

# The personas' histories are written for seeds from this day on: e.g. An's recent sick leave, which moves with the
# day, must stay within his current salary period (from 2024-01).
EARLIEST_TODAY = date(2026, 1, 1)


@dataclass(frozen=True, slots=True)
class DemoDates:
    """The dates the demo data are written around; build them with ``demo_dates(today)``."""

    today: date
    seed_time: datetime  # timestamp of rows "created by the seed": midnight of today in Vietnam, never in the future
    last_declared: int  # month index of last month: employers declare a month once it is over
    card_from: date  # cards are valid from 1 January of this year ...
    card_to: date  # ... to 31 December of next year, so no card expires at New Year
    visit_from: date  # medical visits of the last five years
    last_birth: date  # nobody generated is born this year


def demo_dates(today: date) -> DemoDates:
    """The demo's dates for a seed run on ``today`` (a Vietnam date); ValueError before EARLIEST_TODAY."""
    if today < EARLIEST_TODAY:
        raise ValueError(f"the demo data are written for days from {EARLIEST_TODAY.isoformat()} on, not {today}")
    return DemoDates(
        today=today,
        seed_time=local_midnight(today),
        last_declared=month_index(today.year, today.month) - 1,
        card_from=date(today.year, 1, 1),
        card_to=date(today.year + 1, 12, 31),
        visit_from=shift_years(today, -5) + timedelta(days=1),
        last_birth=date(today.year - 1, 12, 31),
    )


def shift_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (earlier when negative); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def local_midnight(day: date) -> datetime:
    """Midnight of a Vietnamese date, as a UTC timestamp."""
    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ).astimezone(UTC)

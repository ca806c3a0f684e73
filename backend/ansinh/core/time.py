"""Legal dates are Vietnam dates (Asia/Ho_Chi_Minh); timestamps are UTC."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def today_vn(now: datetime | None = None) -> date:
    """Today's date in Vietnam, the date legal rules are judged by."""
    return (now or utcnow()).astimezone(VN_TZ).date()


@lru_cache(maxsize=8192)  # a few hundred distinct months, parsed thousands of times by the contribution summaries
def parse_month(value: str) -> tuple[int, int]:
    """Parse ``YYYY-MM`` into (year, month); ValueError otherwise."""
    match = MONTH_RE.match(value)
    if not match:
        raise ValueError(f"not a YYYY-MM month: {value!r}")
    return int(match.group(1)), int(match.group(2))


def month_str(year: int, month: int) -> str:
    """Format (year, month) as ``YYYY-MM``."""
    return f"{year:04d}-{month:02d}"


def month_of(day: date) -> str:
    """The ``YYYY-MM`` month a date falls in."""
    return month_str(day.year, day.month)


def add_months(month: str, count: int) -> str:
    """The month ``count`` months after (or before) ``month``."""
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + count
    return month_str(index // 12, index % 12 + 1)


def months_between(first: str, last: str) -> int:
    """Number of months from ``first`` to ``last``, both included (0 when last < first)."""
    y1, m1 = parse_month(first)
    y2, m2 = parse_month(last)
    return max(0, (y2 * 12 + m2) - (y1 * 12 + m1) + 1)


def iter_months(first: str, last: str) -> Iterator[str]:
    """Every month from ``first`` to ``last``, both included."""
    y1, m1 = parse_month(first)
    y2, m2 = parse_month(last)
    # Parsed once, not once per month: a 40-year history walks ~500 months several times per request.
    for index in range(y1 * 12 + m1 - 1, y2 * 12 + m2):
        yield _month_text(index)


@lru_cache(maxsize=4096)
def _month_text(index: int) -> str:
    return month_str(index // 12, index % 12 + 1)

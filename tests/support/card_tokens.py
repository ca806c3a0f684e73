"""DESIGN.md's sample card (Nguyễn Văn An, card 0100000001) as a token payload, for tests that need no database."""

from datetime import date, datetime, timedelta
from typing import Any

from ansinh.cards.tokens import ONLINE_TTL, card_payload


def sample_payload(
    *, now: datetime, ttl: timedelta = ONLINE_TTL, valid_to: date = date(2026, 12, 31)
) -> dict[str, Any]:
    """The claims of An's 2026 card signed at ``now``."""
    return card_payload(
        issuer="https://ansinh.example",
        card_number="0100000001",
        card_serial="C26-0000001",
        name="Nguyễn Văn An",
        birth_date="1984-05-17",
        sex="M",
        benefit_level=4,
        facility_code="01001",
        valid_from=date(2026, 1, 1),
        valid_to=valid_to,
        now=now,
        ttl=ttl,
    )

"""What a clinic check reads of a card: its columns (card, holder, primary facility and the holder's notice choice),
and the hot reads that find it by serial, citizen ID, card number or legacy code."""

from typing import Any

from ansinh.cards.models import HealthInsuranceCard, is_dead
from ansinh.cards.service import card_rows
from ansinh.core.statements import KeyedRead
from ansinh.identity.models import Person
from ansinh.notifications.models import NotificationPreference

NOTICE_TABLE = NotificationPreference.__table__  # type: ignore[attr-defined]
CARD_TABLE = HealthInsuranceCard.__table__  # type: ignore[attr-defined]
PERSON_TABLE = Person.__table__  # type: ignore[attr-defined]


def card_and_notice_choice() -> Any:
    """Core SELECT of what a check needs of a card, its holder and facility — the gateway's answer included — and
    whether the holder wants the card-check notice (add WHERE)."""
    query = card_rows(
        NOTICE_TABLE.c.card_checked.label("wants_notice"),
        card=(
            *("id", "serial", "number", "legacy_code", "beneficiary_group", "benefit_level"),
            *("valid_from", "valid_to", "status", "decrease_reason", "five_year_date", "living_area"),
        ),
        person=(
            "id",
            "si_code",
            "full_name",
            "date_of_birth",
            "birth_date_precision",
            "sex",
            "province_code",
            "address",
        ),
        facility=("code", "name"),
    )
    return query.outerjoin(NOTICE_TABLE, NOTICE_TABLE.c.person_id == PERSON_TABLE.c.id)


# Hot statements: prepared statements built once (core/statements.py).
# By serial (unique): concurrent scans share one statement (Statements.keyed).
BY_SERIAL = KeyedRead(card_and_notice_choice(), CARD_TABLE.c.serial, key_label="c_serial")
# By citizen ID, card number or legacy code: a person may have several cards (a reissue replaces the old one), so
# the live card comes first, the newest of the dead ones after. Concurrent look-ups share a statement too.
_LOOKUP_ORDER = (is_dead(CARD_TABLE.c.status), CARD_TABLE.c.issued_at.desc())
BY_CITIZEN_ID = KeyedRead(
    card_and_notice_choice().add_columns(PERSON_TABLE.c.citizen_id.label("p_citizen_id")),
    PERSON_TABLE.c.citizen_id,
    key_label="p_citizen_id",
    order=_LOOKUP_ORDER,
)
BY_NUMBER = KeyedRead(card_and_notice_choice(), CARD_TABLE.c.number, key_label="c_number", order=_LOOKUP_ORDER)
BY_LEGACY_CODE = KeyedRead(
    card_and_notice_choice(),  # which selects the key, c_legacy_code, already
    CARD_TABLE.c.legacy_code,
    key_label="c_legacy_code",
    order=_LOOKUP_ORDER,
)

"""Identifiers are ASCII digits: Python's and pydantic's ``\\d`` also match other scripts' digits, which the database's
CHECK constraints refuse (a 500, and on the batched scan path a failed batch for other clinics too)."""

import pytest
from pydantic import TypeAdapter, ValidationError

from ansinh.clinics.schemas import BIRTH_DATE_PATTERN, CITIZEN_ID_PATTERN, CheckingStaff
from ansinh.identity.schemas import CitizenId, OtpCode, Phone, SiCode

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("kind", "good"),
    [(CitizenId, "001190000123"), (SiCode, "0123456789"), (OtpCode, "123456"), (Phone, "+84901234567")],
)
@pytest.mark.parametrize("script", [ARABIC_INDIC, FULLWIDTH])
def test_identifiers_take_ascii_digits_only(kind: object, good: str, script: dict[int, str]) -> None:
    adapter = TypeAdapter(kind)
    assert adapter.validate_python(good) == good
    with pytest.raises(ValidationError):
        adapter.validate_python(good.translate(script))


def test_the_checking_staff_members_citizen_id_is_ascii_digits() -> None:
    assert CheckingStaff(staff_name="Lê Thị Y Tá", staff_citizen_id="001190000123")
    with pytest.raises(ValidationError):
        CheckingStaff(staff_name="Lê Thị Y Tá", staff_citizen_id="001190000123".translate(ARABIC_INDIC))
    assert "\\d" not in CITIZEN_ID_PATTERN + BIRTH_DATE_PATTERN

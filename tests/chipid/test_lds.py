"""Parsing the chip's files: the MRZ and its check digits, DG13 read leniently, malformed input named by file."""

from datetime import date

import pytest

from ansinh.chipid import lds
from ansinh.chipid.service import mrz_expiry
from tests.support import chip_pki

# The TD1 example of ICAO Doc 9303 part 5 (Anna Maria Eriksson, Utopia).
ICAO_TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"


def test_check_digits_of_the_icao_example() -> None:
    assert lds.check_digit("D23145890") == "7"
    assert lds.check_digit("740812") == "2"
    assert lds.check_digit("120415") == "9"
    mrz = lds.parse_dg1(chip_pki.dg1(ICAO_TD1))
    assert lds.mrz_check_digit_failures(mrz) == []
    assert mrz.document_number == "D23145890"
    assert mrz.birth_date == "740812"
    assert mrz.sex == "F"
    assert mrz.expiry_date == "120415"
    assert mrz.name == "ERIKSSON<<ANNA<MARIA"


@pytest.mark.parametrize(
    ("position", "name"), [(14, "document_number"), (36, "birth_date"), (44, "expiry_date"), (59, "composite")]
)
def test_a_wrong_check_digit_is_named(position: int, name: str) -> None:
    wrong = str((int(ICAO_TD1[position]) + 1) % 10)
    mrz = lds.parse_dg1(chip_pki.dg1(ICAO_TD1[:position] + wrong + ICAO_TD1[position + 1 :]))
    assert name in lds.mrz_check_digit_failures(mrz)


def test_a_long_document_number_continues_in_the_optional_data() -> None:
    # Doc 9303 part 5 §4.2.2: a '<' in the check digit position, the rest and its check digit in the optional data.
    number = "D23145890734"
    line1 = f"I<UTO{number[:9]}<{number[9:]}{lds.check_digit(number)}".ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    line2 += lds.check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    mrz = lds.parse_dg1(chip_pki.dg1(line1 + line2 + "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"))
    assert mrz.document_number == number
    assert lds.mrz_check_digit_failures(mrz) == []


def test_a_vietnamese_mrz_carries_the_full_citizen_id() -> None:
    from datetime import date

    text = chip_pki.td1_mrz(
        citizen_id="079090001234", birth=date(1990, 5, 17), sex="F", expiry=date(2030, 5, 17), full_name="Đỗ Thị Ánh"
    )
    mrz = lds.parse_dg1(chip_pki.dg1(text))
    assert mrz.document_code == "ID"
    assert mrz.issuing_state == "VNM"
    assert mrz.document_number == "090001234"
    assert mrz.optional_data == "079090001234"
    assert mrz.name == "DO<<THI<ANH"
    assert lds.mrz_check_digit_failures(mrz) == []


def test_dg13_fields_in_either_string_type_and_nested() -> None:
    fields = chip_pki.holder_dg13(
        chip_pki.Holder("001190001234", "Nguyễn Văn An", __import__("datetime").date(1990, 1, 2), "M")
    )
    parsed = lds.parse_dg13(chip_pki.dg13(fields))
    assert parsed.first(1) == "001190001234"
    assert parsed.first(2) == "Nguyễn Văn An"
    assert parsed.first(3) == "02/01/1990"
    assert parsed.first(4) == "Nam"
    assert parsed.fields[13] == ["Trần Văn Cha", "Nguyễn Thị Mẹ"]
    # A reader's variant: a version number and an OID before the fields, the fields one level deeper.
    inner = chip_pki.dg13({1: "001190001234", 2: "Nguyễn Văn An"})[4:]  # the SEQUENCE of fields
    prefix = b"\x02\x01\x01\x06\x03\x2a\x03\x04"
    nested = b"\x6d" + bytes([len(prefix) + len(inner) + 2]) + b"\x30" + bytes([len(prefix) + len(inner)])
    parsed = lds.parse_dg13(nested + prefix + inner)
    assert parsed.first(1) == "001190001234"
    assert parsed.first(2) == "Nguyễn Văn An"
    assert parsed.first(5) is None


@pytest.mark.parametrize(
    ("parser", "file", "data"),
    [
        (lds.parse_sod, "sod", b""),
        (lds.parse_sod, "sod", b"\x77\x00"),
        (lds.parse_sod, "sod", b"\x77\x03\x30\x01\x02"),
        (lds.parse_sod, "sod", b"\x77\x02\x30\x00trailing"),
        (lds.parse_dg1, "dg1", b"\x61\x00"),
        (lds.parse_dg1, "dg1", b"\x61\x05\x5f\x1f\x02ab"),
        (lds.parse_dg13, "dg13", b"\x6d\x03\x30\x01"),
        (lds.parse_dg13, "dg13", b"\x6d\x00"),
        (lds.parse_dg15, "dg15", b"\x6f\x02\x05\x00"),
        (lds.parse_dg14_aa_algorithm, "dg14", b"\x6e\x02\x04\x00"),
    ],
)
def test_malformed_files_raise_naming_the_file(parser, file: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(lds.MalformedFile) as raised:
        parser(data)
    assert raised.value.file == file


def test_a_security_object_with_another_content_type_is_malformed() -> None:
    signer = chip_pki.make_signer(chip_pki.make_csca())
    wrapped = chip_pki._tlv(b"\x77", chip_pki.signed_data(signer, content_type="1.2.3.4", econtent=b"\x30\x00"))
    with pytest.raises(lds.MalformedFile, match="encapsulated content"):
        lds.parse_sod(wrapped)


def test_dg14_names_the_aa_algorithm() -> None:
    assert lds.parse_dg14_aa_algorithm(chip_pki.dg14("0.4.0.127.0.7.1.1.4.1.4")) == "0.4.0.127.0.7.1.1.4.1.4"


@pytest.mark.parametrize(
    ("written", "full_name", "matches"),  # ``written`` as Mrz.name gives it: trailing fillers removed
    [
        ("TRAN<<THI<BICH", "Trần Thị Bích", True),
        ("DO<<THI<ANH", "Đỗ Thị Ánh", True),
        ("TRAN<<THI<BICK", "Trần Thị Bích", False),
        ("TRAN<<THI", "Trần Thị Bích", False),  # a short line is never truncated
        # Full lines: names shortened by the issuer, even to initials.
        ("NGUYEN<<HOANG<PHUONG<THANH<TRU", "Nguyễn Hoàng Phương Thanh Trúc Anh", True),
        ("NGUYEN<<H<P<THANH<TRUC<ANH", "Nguyễn Hoàng Phương Thanh Trúc Anh", False),  # not full: exact only
        ("NGUYEN<<HOANG<PHUONG<THANH<T<A", "Nguyễn Hoàng Phương Thanh Trúc Anh", True),
        ("PHAM<<HOANG<PHUONG<THANH<TRUCX", "Nguyễn Hoàng Phương Thanh Trúc Anh", False),
    ],
)
def test_mrz_names_and_their_truncation(written: str, full_name: str, matches: bool) -> None:
    from ansinh.chipid.service import mrz_name, mrz_name_matches

    assert mrz_name_matches(written, mrz_name(full_name)) is matches


@pytest.mark.parametrize(
    ("field", "expected"),
    [("400517", date(2040, 5, 17)), ("<<<<<<", None), ("991399", None), ("2505", None)],
)
def test_the_mrz_expiry_is_a_21st_century_date_or_none_for_a_card_for_life(field: str, expected: date | None) -> None:
    assert mrz_expiry(field) == expected

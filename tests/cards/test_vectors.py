"""The card-token conformance vectors in ``tests/vectors/card/`` hold for our own implementation."""

import base64
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansinh.cards.results import card_standing
from ansinh.cards.tokens import check_card_token, offline_result
from ansinh.core.signing import public_key_from_jwk
from ansinh.core.time import today_vn
from tests.vectors.card import generate

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "card"
FILES = sorted(VECTORS.glob("[0-9][0-9][0-9]-*.json"))

# The cases the format promises to publish; deleting (or renaming) one of these files fails the suite.
REQUIRED_CASES = {
    "valid": "000",
    "valid-previous-key": "000",
    "valid-offline-pass": "000",
    "valid-birth-year-only": "000",
    "valid-last-day-of-card": "000",
    "expired-token": "905",
    "expired-token-at-exp": "905",
    "expired-card": "010",
    "expired-card-registry": "010",
    "not-yet-valid": "911",
    "withdrawn": "110",
    "suspended": "920",
    "bad-signature": "902",
    "edited-payload": "902",
    "edited-payload-name": "902",
    "unknown-kid": "903",
    "alg-none": "904",
    "hs256-confusion": "904",
    "hs256-confusion-pem": "904",
    "malformed-no-prefix": "901",
    "malformed-two-segments": "901",
    "malformed-not-base64": "901",
    "malformed-header-not-json": "901",
    "malformed-claims": "901",
    "order-alg-before-kid": "904",
    "order-kid-before-signature": "903",
    "order-signature-before-expiry": "902",
    "order-withdrawn-before-expired-card": "110",
    "replaced-old-card-running": "004",
    "replaced-old-card-ended": "003",
    "decreased-moved-out-of-province": "121",
    "defence-group": "001",
}
FIELDS = {
    "case",
    "description",
    "qr_text",
    "jwks",
    "validation_clock",
    "card_status",
    "expected_result",
    "expected_offline_result",
}


def load(path: Path) -> dict[str, Any]:
    """One vector file."""
    return json.loads(path.read_text(encoding="utf-8"))


def public_keys(jwks: dict[str, Any]) -> dict[str, ec.EllipticCurvePublicKey]:
    """The JWKS as the verifier's kid → key map."""
    return {jwk["kid"]: public_key_from_jwk(json.dumps(jwk, sort_keys=True)) for jwk in jwks["keys"]}


def clock(vector: dict[str, Any]) -> datetime:
    """The validation clock, an aware UTC instant."""
    instant = datetime.fromisoformat(vector["validation_clock"].replace("Z", "+00:00"))
    assert instant.utcoffset() is not None
    return instant.astimezone(UTC)


def online_result(vector: dict[str, Any]) -> str:
    """What the online check answers: the token's own check, then the card's registry standing."""
    now = clock(vector)
    check = check_card_token(vector["qr_text"], public_keys(vector["jwks"]), now=now)
    card = vector["card_status"]
    if not check.result.valid or card is None:
        return check.result.value
    return card_standing(
        status=card["status"],
        valid_from=date.fromisoformat(card["valid_from"]),
        valid_to=date.fromisoformat(card["valid_to"]),
        today=today_vn(now),
        beneficiary_group=card.get("beneficiary_group", ""),
        decrease_reason=card.get("decrease_reason"),
    ).value


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_online_check_gives_the_expected_result(path: Path) -> None:
    """Signature, expiry and (when the vector has one) the card's status give ``expected_result``."""
    vector = load(path)
    assert online_result(vector) == vector["expected_result"], vector["description"]


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_offline_check_gives_the_expected_offline_result(path: Path) -> None:
    """Without the card's status, the token alone gives ``expected_offline_result``."""
    vector = load(path)
    now = clock(vector)
    check = check_card_token(vector["qr_text"], public_keys(vector["jwks"]), now=now)
    assert offline_result(check, now=now).value == vector["expected_offline_result"], vector["description"]


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_vector_file_is_well_formed(path: Path) -> None:
    """Each file has exactly the documented fields, and is named ``NNN-<case>.json``."""
    vector = load(path)
    assert set(vector) == FIELDS
    assert path.stem[4:] == vector["case"]
    assert vector["validation_clock"].endswith("Z")
    assert vector["card_status"] is None or {"status", "valid_from", "valid_to"} <= set(vector["card_status"]) <= {
        "status",
        "valid_from",
        "valid_to",
        "beneficiary_group",
        "decrease_reason",
    }


def test_the_folder_holds_every_required_case_with_its_code() -> None:
    """Every required case is published once, with the result code the format promises."""
    published = [load(path) for path in FILES]
    cases = [vector["case"] for vector in published]
    assert len(cases) == len(set(cases)), "a case is published twice"
    codes = {vector["case"]: vector["expected_result"] for vector in published}
    assert {case: codes.get(case) for case in REQUIRED_CASES} == REQUIRED_CASES


def test_an_offline_verifier_cannot_see_revocation_or_suspension() -> None:
    """The revoked and suspended vectors carry genuine tokens: offline they pass, online they do not."""
    by_case = {vector["case"]: vector for vector in map(load, FILES)}
    for case in ("withdrawn", "suspended", "expired-card-registry"):
        assert by_case[case]["expected_offline_result"] == "000"
        assert by_case[case]["expected_result"] != "000"


def test_the_payload_carries_the_vietnamese_name_as_utf8_json() -> None:
    """The valid vector's payload is UTF-8 JSON with diacritics as they are, not ``\\u`` escapes."""
    payload_segment = load(VECTORS / "001-valid.json")["qr_text"].split(".")[1]
    raw = base64.urlsafe_b64decode(payload_segment + "=" * (-len(payload_segment) % 4))
    assert "Nguyễn Thị Lan".encode() in raw
    assert b"\\u" not in raw


def test_the_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    """Regenerating gives byte-identical files, so the published vectors and the script never drift."""
    written = generate.write(tmp_path)
    assert [path.name for path in written] == [path.name for path in FILES]
    for path in written:
        assert path.read_bytes() == (VECTORS / path.name).read_bytes(), path.name


def test_the_readme_lists_every_vector() -> None:
    """Each published file has its row in the vectors' README."""
    readme = (VECTORS / "README.md").read_text(encoding="utf-8")
    assert [path.stem for path in FILES if f"| `{path.stem}`" not in readme] == []

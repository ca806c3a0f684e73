"""Any standard JOSE library can verify a card token offline: joserfc here, never our own code path."""

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from joserfc import errors, jws, jwt
from joserfc.jwk import KeySet
from litestar import Litestar
from litestar.testing import AsyncTestClient

from ansinh.cards.tokens import PREFIX, check_card_token
from ansinh.core.signing import public_key_from_jwk
from ansinh.core.time import today_vn
from tests.cards.conftest import CardHolder
from tests.vectors.card import generate

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "card"
DOC = ROOT / "docs" / "offline-verification.md"
VALID_CASES = ["valid", "valid-previous-key", "valid-offline-pass", "valid-birth-year-only", "valid-last-day-of-card"]
FORGED_CASES = ["bad-signature", "edited-payload", "edited-payload-name", "alg-none", "hs256-confusion"]


def vector(case: str) -> dict[str, Any]:
    """The published vector of ``case``."""
    (path,) = VECTORS.glob(f"[0-9][0-9][0-9]-{case}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def every_vector() -> list[dict[str, Any]]:
    """All published vectors, in file order."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(VECTORS.glob("[0-9][0-9][0-9]-*.json"))]


def clock(published: dict[str, Any]) -> datetime:
    """A vector's validation clock."""
    return datetime.fromisoformat(published["validation_clock"].replace("Z", "+00:00"))


def documented_snippet() -> str:
    """The one ```python block of docs/offline-verification.md."""
    (code,) = re.findall(r"^```python\n(.*?)^```$", DOC.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)
    return code


@pytest.mark.parametrize("case", VALID_CASES)
def test_joserfc_verifies_a_genuine_token_and_decodes_what_we_decode(case: str) -> None:
    """joserfc, given only the JWKS and ES256, accepts the token and reads the same claims we do."""
    published = vector(case)
    token = jwt.decode(
        published["qr_text"].removeprefix(PREFIX), KeySet.import_key_set(published["jwks"]), algorithms=["ES256"]
    )
    jwt.JWTClaimsRegistry(now=int(clock(published).timestamp()), exp={"essential": True}).validate(token.claims)

    keys = {key["kid"]: public_key_from_jwk(json.dumps(key)) for key in published["jwks"]["keys"]}
    check = check_card_token(published["qr_text"], keys, now=clock(published))
    ours = check.claims
    assert ours is not None
    assert token.header == {"alg": "ES256", "kid": check.kid, "typ": "ansinh-card+jwt"}
    assert token.claims == {
        "iss": ours.issuer,
        "sub": ours.card_number,
        "cid": ours.card_serial,
        "n": ours.name,
        "b": ours.birth_date,
        "s": ours.sex,
        "lvl": ours.benefit_level,
        "fac": ours.facility_code,
        "vf": ours.valid_from.isoformat(),
        "vt": ours.valid_to.isoformat(),
        "iat": ours.issued_at,
        "exp": ours.expires_at,
        "jti": ours.token_id,
    }


@pytest.mark.parametrize("case", FORGED_CASES)
def test_joserfc_rejects_a_forged_or_altered_token(case: str) -> None:
    """Told to accept ES256 only, joserfc refuses every forgery the vectors publish."""
    published = vector(case)
    with pytest.raises(errors.JoseError) as raised:
        jws.deserialize_compact(
            published["qr_text"].removeprefix(PREFIX), KeySet.import_key_set(published["jwks"]), algorithms=["ES256"]
        )
    assert isinstance(raised.value, errors.BadSignatureError | errors.UnsupportedAlgorithmError)


async def test_a_token_from_the_api_verifies_with_the_published_jwks(
    client: AsyncTestClient[Litestar], holder: CardHolder
) -> None:
    """End to end: a token the API issues verifies with joserfc against ``/.well-known/jwks.json``."""
    issued = await client.post("/api/v1/me/card/token", json={"kind": "online"}, headers=holder.headers)
    published = await client.get("/.well-known/jwks.json")
    assert issued.status_code == 200, issued.text
    assert published.status_code == 200, published.text
    qr_text = issued.json()["token"]
    assert qr_text.startswith(PREFIX)

    token = jwt.decode(qr_text.removeprefix(PREFIX), KeySet.import_key_set(published.json()), algorithms=["ES256"])
    jwt.JWTClaimsRegistry(exp={"essential": True}).validate(token.claims)  # exp is checked against the real clock
    assert token.header["kid"] == issued.json()["kid"]
    assert token.claims["sub"] == holder.card.number
    assert token.claims["exp"] > datetime.now(UTC).timestamp()


def test_the_documented_snippet_has_at_most_15_lines() -> None:
    """The README example stays short enough to read at a glance."""
    assert len(documented_snippet().splitlines()) <= 15


@pytest.mark.parametrize("published", every_vector(), ids=lambda published: published["case"])
def test_the_documented_snippet_gives_the_offline_result_of_every_vector(published: dict[str, Any]) -> None:
    """``verify_offline`` from docs/offline-verification.md agrees with ``expected_offline_result``."""
    namespace: dict[str, Any] = {"__name__": "offline_verification_doc"}
    code = documented_snippet()
    definitions = code[: code.rindex("\nprint(")]  # everything but the interactive last line
    exec(compile(definitions, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    verify_offline = namespace["verify_offline"]
    assert (
        verify_offline(published["qr_text"], published["jwks"], clock(published))
        == published["expected_offline_result"]
    ), published["description"]


def test_the_documented_snippet_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole block, last line included, prints 000 for a token freshly signed with the valid vector's key."""
    published = vector("valid")
    (tmp_path / "jwks.json").write_text(json.dumps(published["jwks"]), encoding="utf-8")
    now = datetime.now(UTC)
    today = today_vn(now)
    in_force = generate.payload(
        issued=now - timedelta(seconds=5), valid_from=today - timedelta(days=30), valid_to=today + timedelta(days=335)
    )
    fresh = generate.sign(in_force, generate.CURRENT)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(fresh + "\n"))

    exec(compile(documented_snippet(), str(DOC), "exec"), {"__name__": "__main__"})  # noqa: S102 - our own docs

    assert capsys.readouterr().out.endswith("000\n")

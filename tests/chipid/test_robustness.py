"""Mangled chip files end as a named malformed file or a failed check, never as an unexpected exception (a 500)."""

import random
from datetime import UTC, date, datetime

import pytest

from ansinh.chipid import service
from ansinh.chipid.active import verify_active_authentication
from ansinh.chipid.passive import passive_authentication
from ansinh.chipid.signatures import CheckFailed
from ansinh.chipid.truststore import TrustStore
from tests.chipid.conftest import Pki
from tests.support import chip_pki


def mangle(rng: random.Random, data: bytes) -> bytes:
    """Flip, cut or truncate a few bytes, as a bad read or a hostile client would."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.5 and out:
            out[rng.randrange(len(out))] = rng.randrange(256)
        elif choice < 0.75 and out:
            start = rng.randrange(len(out))
            del out[start : start + rng.randint(1, 20)]
        else:
            out = out[: rng.randrange(len(out) + 1)]
    return bytes(out)


@pytest.mark.parametrize("seed", range(4))
def test_mangled_files_never_escape_as_unexpected_errors(pki: Pki, seed: int) -> None:
    holder = chip_pki.Holder("079090001234", "Trần Thị Bích", date(1990, 5, 17), "F")
    chip = chip_pki.make_chip(pki.signer, holder, aa="ec", with_dg14=True)
    trust = TrustStore((pki.csca.certificate,))
    originals = {
        "sod": chip.sod,
        "dg1": chip.files[1],
        "dg13": chip.files[13],
        "dg15": chip.files[15],
        "dg14": chip.files[14],
    }
    rng = random.Random(seed)
    named: list[tuple[str, str]] = []  # (file mangled, file the 422 names)
    failed = 0
    for _ in range(150):
        files = dict(originals)
        name = rng.choice(sorted(files))
        files[name] = mangle(rng, files[name])
        try:
            parsed = service.parse_files(service.ChipFiles(**files))
            passive_authentication(parsed.sod, parsed.raw, trust=trust, now=datetime.now(UTC))
            assert parsed.dg15 is not None
            verify_active_authentication(
                parsed.dg15, nonce=bytes(8), signature=bytes(64), dg14_algorithm=parsed.dg14_aa_algorithm
            )
        except service.ChipFileMalformed as exc:
            named.append((name, exc.extra["file"]))
        except CheckFailed:
            failed += 1
    assert named
    assert all(mangled == blamed for mangled, blamed in named)
    assert failed > 0

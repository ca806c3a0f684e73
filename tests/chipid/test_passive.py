"""Passive authentication without HTTP: every digest and signature scheme, and each way a document fails."""

from datetime import UTC, date, datetime, timedelta

import pytest

from ansinh.chipid import lds
from ansinh.chipid.passive import passive_authentication
from ansinh.chipid.signatures import CheckFailed
from ansinh.chipid.truststore import TrustStore
from tests.chipid.conftest import Pki
from tests.support import chip_pki

HOLDER = chip_pki.Holder("079090001234", "Trần Thị Bích", date(1990, 5, 17), "F")
NOW = datetime.now(UTC)


def run(pki: Pki, chip: chip_pki.Chip, *, now: datetime = NOW, trust: TrustStore | None = None):  # type: ignore[no-untyped-def]
    return passive_authentication(
        lds.parse_sod(chip.sod), chip.files, trust=trust or TrustStore((pki.csca.certificate,)), now=now
    )


@pytest.mark.parametrize("digest", ["sha1", "sha224", "sha256", "sha384", "sha512"])
@pytest.mark.parametrize("scheme", ["pkcs1", "rsa_encryption", "pss", "ecdsa"])
def test_every_digest_and_signature_scheme_verifies(pki: Pki, digest: str, scheme: str) -> None:
    signer = pki.ec_signer if scheme == "ecdsa" else pki.signer
    chip = chip_pki.make_chip(signer, HOLDER, aa=None, digest=digest, scheme=scheme)
    result = run(pki, chip)
    assert result.digest_algorithm == digest
    assert result.signature_algorithm == {"pss": "rsassa_pss", "ecdsa": "ecdsa"}.get(scheme, "rsassa_pkcs1v15")
    assert result.data_groups == (1, 13)
    assert result.listed_data_groups == (1, 13)
    assert len(result.ds_fingerprint) == 64


def test_a_document_signer_certified_with_rsa_pss_chains(pki: Pki) -> None:
    signer = chip_pki.make_signer(pki.csca, scheme="pss")
    assert run(pki, chip_pki.make_chip(signer, HOLDER, aa=None)).signature_algorithm == "rsassa_pkcs1v15"


def test_an_ec_csca_chains(pki: Pki) -> None:
    csca = chip_pki.make_csca(key=chip_pki.ec_key(), name="CSCA EC")
    chip = chip_pki.make_chip(chip_pki.make_signer(csca, key=chip_pki.ec_key()), HOLDER, aa=None)
    assert run(pki, chip, trust=TrustStore((csca.certificate,))).signature_algorithm == "ecdsa"


def expect(check: str, pki: Pki, chip: chip_pki.Chip, **kwargs) -> CheckFailed:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckFailed) as raised:
        run(pki, chip, **kwargs)
    assert raised.value.check == check
    return raised.value


def test_a_changed_data_group_is_caught(pki: Pki) -> None:
    chip = chip_pki.make_chip(pki.signer, HOLDER, aa=None)
    forged = chip.with_file(
        1,
        chip_pki.dg1(
            chip_pki.td1_mrz(
                citizen_id="079090009999",
                birth=HOLDER.date_of_birth,
                sex="F",
                expiry=HOLDER.expiry,
                full_name=HOLDER.full_name,
            )
        ),
    )
    assert "DG1" in expect("data_group_hashes", pki, forged).detail_en


def test_a_data_group_the_sod_does_not_list_is_refused(pki: Pki) -> None:
    chip = chip_pki.make_chip(pki.signer, HOLDER, aa=None)
    extra = chip.with_file(15, chip_pki.dg15(chip_pki.ec_key().public_key()))
    assert "not listed" in expect("data_group_hashes", pki, extra).detail_en


def test_an_unknown_csca_is_refused_even_with_the_same_name(pki: Pki) -> None:
    expect("document_signer_chain", pki, chip_pki.make_chip(pki.rogue_signer, HOLDER, aa=None))


def test_validity_is_judged_now_for_the_signer_and_the_csca(pki: Pki) -> None:
    chip = chip_pki.make_chip(pki.signer, HOLDER, aa=None)
    expect("certificate_validity", pki, chip, now=NOW + timedelta(days=400))  # the DS has expired
    expect("certificate_validity", pki, chip, now=NOW - timedelta(days=40))  # the DS is not yet valid
    old_csca = chip_pki.make_csca(not_before=NOW - timedelta(days=3000), not_after=NOW - timedelta(days=1))
    signer = chip_pki.make_signer(old_csca)
    expect(
        "certificate_validity",
        pki,
        chip_pki.make_chip(signer, HOLDER, aa=None),
        trust=TrustStore((old_csca.certificate,)),
    )


def test_a_bad_signature_is_refused(pki: Pki) -> None:
    chip = chip_pki.make_chip(pki.signer, HOLDER, aa=None)
    broken = chip_pki.Chip(files=chip.files, sod=chip_pki.sod(pki.signer, chip.files, corrupt_signature=True))
    expect("sod_signature", pki, broken)


def test_a_signer_certificate_that_is_not_the_signers_is_refused(pki: Pki) -> None:
    # An SOD signed by one key but carrying another document signer's certificate under the same name.
    impostor = chip_pki.make_signer(pki.csca)
    files = chip_pki.make_chip(pki.signer, HOLDER, aa=None).files
    econtent = chip_pki.lds_security_object(files)
    content = chip_pki.signed_data(
        chip_pki.Party(impostor.key, pki.signer.certificate), content_type=chip_pki.LDS_OID, econtent=econtent
    )
    expect("sod_signature", pki, chip_pki.Chip(files=files, sod=chip_pki._tlv(b"\x77", content)))

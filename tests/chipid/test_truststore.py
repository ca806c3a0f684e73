"""The CSCA trust store: PEM, DER, folders and ICAO master lists (checked), read again when they change."""

from pathlib import Path

import pytest

from ansinh.chipid.truststore import TrustStoreError, load_trust_store, read_master_list, trust_store_at
from tests.chipid.conftest import Pki
from tests.support import chip_pki


def test_a_pem_file_a_der_file_and_a_folder(pki: Pki, tmp_path: Path) -> None:
    other = chip_pki.make_csca(name="CSCA Other")
    (tmp_path / "a.pem").write_bytes(pki.csca.pem + other.pem)
    (tmp_path / "b.der").write_bytes(pki.csca.der)  # a duplicate is kept once
    (tmp_path / "notes.txt").write_text("ignored")
    assert len(load_trust_store(tmp_path / "a.pem").certificates) == 2
    assert load_trust_store(tmp_path / "b.der").certificates == (pki.csca.certificate,)
    store = load_trust_store(tmp_path)
    assert len(store.certificates) == 2
    assert store.issuers_of(pki.signer.certificate) == [pki.csca.certificate]


def test_a_master_list_is_imported_when_its_signature_holds(pki: Pki, tmp_path: Path) -> None:
    other = chip_pki.make_csca(name="CSCA Other")
    signer = chip_pki.make_signer(pki.csca, name="Master List Signer")
    data = chip_pki.master_list(signer, [pki.csca.certificate, other.certificate])
    assert {c.subject for c in read_master_list(data)} == {pki.csca.certificate.subject, other.certificate.subject}
    (tmp_path / "icao.ml").write_bytes(data)
    assert len(load_trust_store(tmp_path).certificates) == 2
    tampered = data.replace(other.der[-40:], bytes(40))
    with pytest.raises(TrustStoreError):
        read_master_list(tampered)
    # A list signed by someone no CSCA in it vouches for.
    stranger = chip_pki.make_signer(chip_pki.make_csca(name="Elsewhere"))
    with pytest.raises(TrustStoreError, match="not issued"):
        read_master_list(chip_pki.master_list(stranger, [other.certificate]))


def test_unreadable_or_missing_stores_are_none(pki: Pki, tmp_path: Path) -> None:
    assert trust_store_at(None) is None
    assert trust_store_at(tmp_path / "missing") is None
    (tmp_path / "bad.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    assert trust_store_at(tmp_path) is None


def test_the_store_is_read_again_when_a_file_changes(pki: Pki, tmp_path: Path) -> None:
    (tmp_path / "csca.pem").write_bytes(pki.csca.pem)
    first = trust_store_at(tmp_path)
    assert first is not None
    assert trust_store_at(tmp_path) is first  # cached while nothing changed
    (tmp_path / "more.pem").write_bytes(chip_pki.make_csca(name="CSCA New").pem)
    second = trust_store_at(tmp_path)
    assert second is not None
    assert len(second.certificates) == 2

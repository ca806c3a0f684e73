"""`ansinh chip-id import-master-list FILE --into DIR` and `ansinh chip-id list-csca`."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from ansinh.__main__ import cli
from ansinh.core.settings import get_settings
from tests.chipid.conftest import Pki
from tests.support import chip_pki


@pytest.fixture
def runner() -> CliRunner:
    get_settings.cache_clear()
    yield CliRunner()  # type: ignore[misc]
    get_settings.cache_clear()


def test_import_a_master_list_then_list_it(runner: CliRunner, pki: Pki, tmp_path: Path) -> None:
    other = chip_pki.make_csca(name="CSCA Other")
    signer = chip_pki.make_signer(pki.csca, name="Master List Signer")
    (tmp_path / "icao.ml").write_bytes(chip_pki.master_list(signer, [pki.csca.certificate, other.certificate]))
    store = tmp_path / "csca"
    result = runner.invoke(cli, ["chip-id", "import-master-list", str(tmp_path / "icao.ml"), "--into", str(store)])
    assert result.exit_code == 0, result.output
    assert "2 CSCA certificates in the list, 2 new" in result.output
    assert len(list(store.glob("csca-*.pem"))) == 2
    again = runner.invoke(cli, ["chip-id", "import-master-list", str(tmp_path / "icao.ml"), "--into", str(store)])
    assert "0 new" in again.output

    listed = runner.invoke(cli, ["chip-id", "list-csca"], env={"ANSINH_ENV": "dev", "ANSINH_CSCA_PATH": str(store)})
    assert listed.exit_code == 0, listed.output
    assert "CN=CSCA Other,C=VN" in listed.output
    assert "2 CSCA certificates" in listed.output


def test_a_tampered_master_list_is_refused(runner: CliRunner, pki: Pki, tmp_path: Path) -> None:
    signer = chip_pki.make_signer(pki.csca, name="Master List Signer")
    data = bytearray(chip_pki.master_list(signer, [pki.csca.certificate]))
    data[-10] ^= 0xFF
    (tmp_path / "bad.ml").write_bytes(bytes(data))
    result = runner.invoke(cli, ["chip-id", "import-master-list", str(tmp_path / "bad.ml"), "--into", str(tmp_path)])
    assert result.exit_code == 1
    assert "master list" in result.output
    assert not list(tmp_path.glob("csca-*.pem"))


def test_list_csca_without_a_trust_store(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["chip-id", "list-csca"], env={"ANSINH_ENV": "dev", "ANSINH_CSCA_PATH": ""})
    assert result.exit_code == 1
    assert "ANSINH_CSCA_PATH is not set" in result.output

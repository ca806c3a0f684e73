"""Production refuses development secrets; dev conveniences exist only in dev."""

import pytest

from ansinh.core.settings import DEV_SECRET_KEY, InsecureSettingsError, Settings

STRONG = "x" * 40


def test_prod_is_the_default_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANSINH_ENV", raising=False)
    monkeypatch.setenv("ANSINH_SECRET_KEY", STRONG)
    monkeypatch.setenv("ANSINH_PAYMENT_HMAC_SECRET", STRONG)
    assert Settings(_env_file=None).env == "prod"


def test_prod_refuses_the_default_secret_key() -> None:
    with pytest.raises(InsecureSettingsError, match="ANSINH_SECRET_KEY"):
        Settings(_env_file=None, env="prod", payment_hmac_secret=STRONG)


def test_prod_refuses_a_short_secret() -> None:
    with pytest.raises(InsecureSettingsError, match="ANSINH_PAYMENT_HMAC_SECRET"):
        Settings(_env_file=None, env="prod", secret_key=STRONG, payment_hmac_secret="short")


def test_dev_accepts_development_secrets() -> None:
    assert Settings(_env_file=None, env="dev").secret_key == DEV_SECRET_KEY


def test_settings_come_from_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANSINH_ENV", "dev")
    monkeypatch.setenv("ANSINH_PUBLIC_URL", "https://app.ansinh.example:8443")
    settings = Settings(_env_file=None)
    assert settings.rp_id == "app.ansinh.example"
    assert settings.origin == "https://app.ansinh.example:8443"


def test_prod_refuses_a_short_signing_key_encryption_key_but_allows_none() -> None:
    with pytest.raises(InsecureSettingsError, match="ANSINH_SIGNING_KEY_ENCRYPTION_KEY"):
        Settings(
            _env_file=None, env="prod", secret_key=STRONG, payment_hmac_secret=STRONG, signing_key_encryption_key="x"
        )
    fallback = Settings(_env_file=None, env="prod", secret_key=STRONG, payment_hmac_secret=STRONG)
    assert fallback.signing_kek_secret == STRONG

"""Production refuses development secrets; dev conveniences exist only in dev."""

import pytest

from ansinh.core.settings import DEV_SECRET_KEY, InsecureSettingsError, MissingDatabaseError, Settings

STRONG = "x" * 40
PROD_DB = "postgresql+asyncpg://ansinh@db.internal:5432/ansinh"


def test_prod_is_the_default_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANSINH_ENV", raising=False)
    monkeypatch.setenv("ANSINH_SECRET_KEY", STRONG)
    monkeypatch.setenv("ANSINH_PAYMENT_HMAC_SECRET", STRONG)
    monkeypatch.setenv("ANSINH_DATABASE_URL", PROD_DB)
    assert Settings(_env_file=None).env == "prod"


def test_prod_refuses_the_default_secret_key() -> None:
    with pytest.raises(InsecureSettingsError, match="ANSINH_SECRET_KEY"):
        Settings(_env_file=None, env="prod", database_url=PROD_DB, payment_hmac_secret=STRONG)


def test_prod_refuses_a_short_secret() -> None:
    with pytest.raises(InsecureSettingsError, match="ANSINH_PAYMENT_HMAC_SECRET"):
        Settings(_env_file=None, env="prod", database_url=PROD_DB, secret_key=STRONG, payment_hmac_secret="short")


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
            _env_file=None,
            env="prod",
            database_url=PROD_DB,
            secret_key=STRONG,
            payment_hmac_secret=STRONG,
            signing_key_encryption_key="x",
        )
    fallback = Settings(_env_file=None, env="prod", database_url=PROD_DB, secret_key=STRONG, payment_hmac_secret=STRONG)
    assert fallback.signing_kek_secret == STRONG


def test_prod_refuses_to_start_without_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only dev has an embedded server; production must name its database."""
    monkeypatch.delenv("ANSINH_DATABASE_URL", raising=False)
    with pytest.raises(MissingDatabaseError, match="ANSINH_DATABASE_URL"):
        Settings(_env_file=None, env="prod", secret_key=STRONG, payment_hmac_secret=STRONG)


def test_dev_without_a_database_url_waits_for_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANSINH_DATABASE_URL", raising=False)
    settings = Settings(_env_file=None, env="dev")
    assert settings.database_url is None
    with pytest.raises(MissingDatabaseError):
        _ = settings.database  # asked for before `ansinh` or create_app started the server

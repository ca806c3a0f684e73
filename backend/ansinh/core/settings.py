"""One settings object, read from environment variables prefixed ``ANSINH_``."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ansinh.core.signing import parse_vapid_key

# Values that only ever make sense on a developer's machine; prod refuses to start with them.
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-0123456789"
DEV_PAYMENT_HMAC_SECRET = "dev-insecure-payment-secret"


class InsecureSettingsError(RuntimeError):
    """Raised when a non-dev environment is configured with a development secret."""


class MissingDatabaseError(RuntimeError):
    """Raised when production is started without a database URL (only dev has an embedded server)."""


class Settings(BaseSettings):
    """Application settings; see `.env.example` for every variable."""

    model_config = SettingsConfigDict(env_prefix="ANSINH_", env_file=".env", extra="ignore")

    env: Literal["dev", "prod"] = "prod"
    # PostgreSQL through asyncpg. Unset in dev: the embedded server under data_dir (core/dbserver.py); unset in prod:
    # the app refuses to start.
    database_url: str | None = None
    data_dir: Path = Path("var")  # the embedded server's files (dev), and anything else kept on the local disk
    secret_key: str = DEV_SECRET_KEY
    public_url: str = "http://localhost:8000"
    redis_url: str | None = None
    redis_namespace: str = "ansinh"  # key prefix, so several deployments (or test runs) can share one Redis
    trusted_proxies: list[str] = Field(default_factory=list)
    clinic_rate_limit: int = Field(default=20, ge=1, description="Clinic requests per second per client")
    # Per minute. The benchmark raises them to script thousands of sign-ins from one address (docs/PERFORMANCE.md).
    sign_in_limit_per_ip: int = Field(default=30, ge=1, description="Sign-ins, code entries per minute per IP")
    sign_in_limit_per_account: int = Field(default=10, ge=1, description="Password sign-ins per minute per account")
    payment_hmac_secret: str = DEV_PAYMENT_HMAC_SECRET
    # Wraps the card-signing private keys at rest; falls back to a key derived from secret_key.
    # Keep it stable: stored keys cannot be opened with another one.
    signing_key_encryption_key: str | None = None
    # Web Push (VAPID, RFC 8292): a P-256 private key as PEM or base64url of the raw 32-byte scalar.
    # Unset: dev derives one from secret_key; elsewhere push is off (the inbox still works).
    vapid_private_key: SecretStr | None = None
    vapid_subject: str = "mailto:support@example.com"  # who push services contact about our traffic
    # Chip-ID trust store: the CSCA certificates (PEM/DER files, ICAO master lists, or a folder of them) whose
    # document signers AnSinh believes. Unset: chip-ID verification answers 503.
    csca_path: Path | None = None
    otp_webhook_url: str | None = None  # SMS/e-mail gateway that delivers one-time codes
    otp_webhook_token: str | None = None
    db_pool_size: int = Field(default=20, ge=1, description="PostgreSQL connections per worker")
    db_read_pool_size: int = Field(
        default=10, ge=1, description="PostgreSQL connections per worker for the hot reads (core/statements.py)"
    )
    db_echo: bool = False
    hot_lane: bool = Field(
        default=True, description="Answer ordinary card scans without Litestar's per-request machinery (core/lane.py)"
    )
    log_level: str = "INFO"  # above INFO, no access log
    # JSON lines for log collectors, or readable text; unset: text in dev, JSON elsewhere.
    log_format: Literal["json", "text"] | None = None
    # Where the PWA and static assets live; found automatically in a checkout and in the wheel.
    pwa_dir: Path | None = None
    static_dir: Path | None = None

    @field_validator("csca_path", mode="before")
    @classmethod
    def _empty_csca_path_is_unset(cls, value: object) -> object:
        # An empty ANSINH_CSCA_PATH= would otherwise become Path("."): the working directory as trust store.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> "Settings":
        if self.env == "prod" and not self.database_url:
            raise MissingDatabaseError(
                "Refusing to start in prod without ANSINH_DATABASE_URL (postgresql+asyncpg://…): "
                "the embedded database server is for ANSINH_ENV=dev only"
            )
        if self.env == "prod":
            weak = [
                name
                for name, value, default in (
                    ("ANSINH_SECRET_KEY", self.secret_key, DEV_SECRET_KEY),
                    ("ANSINH_PAYMENT_HMAC_SECRET", self.payment_hmac_secret, DEV_PAYMENT_HMAC_SECRET),
                    ("ANSINH_SIGNING_KEY_ENCRYPTION_KEY", self.signing_key_encryption_key, None),
                )
                if value is not None and (value == default or len(value) < 32)
            ]
            if weak:
                raise InsecureSettingsError(
                    "Refusing to start in prod with default or short (<32 chars) secrets: " + ", ".join(weak)
                )
        if self.vapid_private_key is not None:
            parse_vapid_key(self.vapid_private_key.get_secret_value())  # a bad key fails at start, not at send
        return self

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    @property
    def log_json(self) -> bool:
        """Whether log lines are JSON (``log_format``, or the environment's default)."""
        return self.log_format == "json" if self.log_format else not self.is_dev

    @property
    def rp_id(self) -> str:
        """WebAuthn relying-party id: the host name of the public URL."""
        return urlsplit(self.public_url).hostname or "localhost"

    @property
    def origin(self) -> str:
        """The exact origin browsers report (scheme, host and port)."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def signing_kek_secret(self) -> str:
        """The secret the card-signing key-encryption key is derived from."""
        return self.signing_key_encryption_key or self.secret_key

    @property
    def database(self) -> str:
        """The database URL; in dev without one, ``ansinh`` and ``create_app`` start the embedded server first."""
        if not self.database_url:
            raise MissingDatabaseError("no database URL: set ANSINH_DATABASE_URL, or start through `ansinh` in dev")
        return self.database_url


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()

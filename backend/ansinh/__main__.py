"""The `ansinh` command: run the server, migrate the database, seed demo data, manage keys and cards."""

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from ansinh.core import dbserver
from ansinh.core.settings import InsecureSettingsError, MissingDatabaseError, get_settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from ansinh.cards.schemas import CardActionResult
    from ansinh.core.settings import Settings

T = TypeVar("T")


# Commands that never open the application database.
_NO_DATABASE = {"db", "chip-id"}


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """AnSinh: citizen self-service for social and health insurance."""
    if ctx.invoked_subcommand in _NO_DATABASE or ctx.resilient_parsing:
        return
    settings = get_settings()
    if settings.database_url is None:
        # Dev without a URL: the embedded server. The URL goes into the environment so that everything this command
        # starts (uvicorn's workers, Alembic) reads the same settings.
        os.environ["ANSINH_DATABASE_URL"] = dbserver.with_database(settings).database
        get_settings.cache_clear()


@cli.group()
def db() -> None:
    """The embedded PostgreSQL server of development (its files in ANSINH_DATA_DIR/postgres)."""


@db.command("start")
def db_start() -> None:
    """Start the embedded server (once; safe to run again) and print its URL."""
    click.echo(dbserver.start(get_settings().data_dir))


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded server."""
    data_dir = get_settings().data_dir
    stopped = dbserver.stop(data_dir)
    click.echo(f"stopped the server in {dbserver.server_dir(data_dir)}" if stopped else "no server was running")


@db.command("status")
def db_status() -> None:
    """Say whether the embedded server runs (exit code 3 when it does not, as pg_ctl's)."""
    data_dir = get_settings().data_dir
    info = dbserver.running(data_dir)
    if info is None:
        click.echo(f"stopped (data in {dbserver.server_dir(data_dir)})")
        raise SystemExit(3)
    click.echo(f"running: pid {info.pid}, data in {dbserver.server_dir(data_dir)}, socket in {info.socket_dir}")


@db.command("url")
def db_url() -> None:
    """Print the running server's connection URL for libpq tools: psql "$(ansinh db url)"."""
    info = dbserver.running(get_settings().data_dir)
    if info is None:
        raise click.ClickException("the embedded server is not running: ansinh db start")
    click.echo(dbserver.url_of(info).replace("postgresql+asyncpg://", "postgresql://", 1))


@cli.command()
def migrate() -> None:
    """Apply database migrations (Alembic upgrade head); safe to run again."""
    from ansinh.core.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database)
    click.echo("database is at the latest schema")


@cli.command()
@click.option("--people", default=1000, show_default=True, help="How many synthetic people to create.")
@click.option("--seed", "seed_value", default=2026, show_default=True, help="Random seed (same seed, same data).")
def seed(people: int, seed_value: int) -> None:
    """Load the demo personas and synthetic people (once; a second run does nothing)."""
    from ansinh.demo.runner import run_seed

    report = asyncio.run(run_seed(get_settings(), people=people, seed=seed_value))
    click.echo(report.summary())


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Reload on code changes (development only).")
def run(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the API and the PWA with uvicorn."""
    import uvicorn

    settings = get_settings()  # fail here, before forking workers, if the settings are unsafe
    if reload and not settings.is_dev:
        raise click.UsageError("--reload is for ANSINH_ENV=dev only")
    uvicorn.run(
        "ansinh.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=False,  # the client IP comes from ANSINH_TRUSTED_PROXIES, not blind trust
        access_log=False,
        log_config=None,
    )


# --- helpers for the staff commands -------------------------------------------------------------------------------


async def _in_session(work: "Callable[[AsyncSession, Settings], Awaitable[T]]") -> T:
    """Run ``work`` in one session on the configured database, then dispose of the engine."""
    from ansinh.core.db import create_engine, session_factory

    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            return await work(session, settings)
    finally:
        await engine.dispose()


def _run(work: "Callable[[AsyncSession, Settings], Awaitable[T]]") -> T:
    """Run ``work`` against the database; a domain error becomes exit code 1 with its message on stderr."""
    from ansinh.core.errors import DomainError

    try:
        return asyncio.run(_in_session(work))
    except DomainError as error:
        raise click.ClickException(error.detail_en) from error


def _when(moment: datetime | None) -> str:
    """A timestamp for operators: UTC to the second, or a dash."""
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment is not None else "-"


def _minutes(span: timedelta) -> str:
    """A duration in whole minutes, for messages."""
    return f"{int(span.total_seconds() // 60)} minutes"


def _check_reason(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """The audit reason: 3 to 200 characters, as the staff API requires."""
    reason = value.strip()
    if not 3 <= len(reason) <= 200:
        raise click.BadParameter("give a reason of 3 to 200 characters (it is kept in the audit log)")
    return reason


_reason_option = click.option(
    "--reason", required=True, callback=_check_reason, help="Why (kept in the audit log and shown to the holder)."
)


# --- ansinh keys ---------------------------------------------------------------------------------------------------


@cli.group()
def keys() -> None:
    """Card-token signing keys: list, bootstrap and rotate (next → current → retiring → retired)."""


@keys.command("ensure")
def keys_ensure() -> None:
    """Create the first current and next keys if there are none (safe to run again)."""
    from ansinh.cards.keys import ensure_keys, list_keys
    from ansinh.cards.models import CardSigningKey

    async def work(db: "AsyncSession", settings: "Settings") -> list[CardSigningKey]:
        await ensure_keys(db, kek_secret=settings.signing_kek_secret)
        return await list_keys(db)

    rows = _run(work)
    for row in rows:
        if row.state in ("current", "next"):
            click.echo(f"{row.state}: {row.kid}")


@keys.command("list")
def keys_list() -> None:
    """Show every signing key with its state and dates (newest first)."""
    from ansinh.cards.keys import list_keys

    rows = _run(lambda db, _settings: list_keys(db))
    if not rows:
        click.echo("no signing keys yet (run `ansinh keys ensure`, or they are created on first use)")
        return
    header = ("kid", "state", "published", "activated", "retired", "verify_until")
    table = [header] + [
        (
            row.kid,
            row.state,
            _when(row.published_at),
            _when(row.activated_at),
            _when(row.retired_at),
            _when(row.verify_until),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


@keys.command("rotate")
@click.option(
    "--force",
    is_flag=True,
    help="The current key is compromised: rotate now and stop accepting the old key (and passbooks it signed) at once.",
)
def keys_rotate(force: bool) -> None:
    """Next key becomes current, current retires (published until its tokens expire), a new next is published."""
    from sqlalchemy.exc import IntegrityError

    from ansinh.cards.keys import JWKS_MAX_AGE, RotationTooEarly, list_keys, rotate_keys
    from ansinh.core.errors import DomainError

    if force:
        click.echo(
            "warning: --force is for a compromised current key. Clinics whose cached JWKS predates the next key "
            f"(cached up to {_minutes(JWKS_MAX_AGE)}) may reject new card codes as unknown-kid until they refresh "
            "it. The compromised key is withdrawn at once: every code it signed answers 203 and citizens' apps "
            "fetch new ones; printed passbooks it signed verify as withdrawn-key and must be downloaded again.",
            err=True,
        )

    async def work(db: "AsyncSession", settings: "Settings") -> tuple[tuple[str, str, str], datetime | None]:
        kids = await rotate_keys(db, kek_secret=settings.signing_kek_secret, force=force)
        retiring = next((row for row in await list_keys(db) if row.kid == kids[0]), None)
        return kids, retiring.verify_until if retiring else None

    try:
        (retiring_kid, current_kid, next_kid), verify_until = asyncio.run(_in_session(work))
    except RotationTooEarly as error:
        raise click.ClickException(
            f"the next key {error.extra.get('next_kid')} was published less than {_minutes(JWKS_MAX_AGE)} ago, "
            f"so clinics may not have it yet; rotation is allowed from {error.extra.get('ready_at')} "
            "(use --force only for a compromised key)"
        ) from error
    except DomainError as error:
        raise click.ClickException(error.detail_en) from error
    except IntegrityError as error:  # another rotation won the race for the current/next slots
        raise click.ClickException("another key rotation ran at the same time; see `ansinh keys list`") from error
    if force:
        click.echo(f"retired:  {retiring_kid} (withdrawn now, no longer published or accepted)")
    else:
        click.echo(f"retiring: {retiring_kid} (still published, verifies until {_when(verify_until)})")
    click.echo(f"current:  {current_kid} (signs new card codes)")
    click.echo(f"next:     {next_kid} (published now, signs nothing yet)")


# --- ansinh cards --------------------------------------------------------------------------------------------------


@cli.group()
def cards() -> None:
    """Health-insurance cards: reissue, revoke, suspend, decrease and reinstate by SI code (staff)."""


def _card_action(
    si_code: str, action: "Callable[[AsyncSession, str], Awaitable[CardActionResult]]"
) -> "CardActionResult":
    """Find the card in force of ``si_code`` and apply ``action`` to its number."""
    from ansinh.cards.service import find_card_number

    async def work(db: "AsyncSession", _settings: "Settings") -> "CardActionResult":
        number = await find_card_number(db, si_code=si_code.strip())
        return await action(db, number)

    return _run(work)


@cards.command("reissue")
@click.argument("si_code")
@_reason_option
def cards_reissue(si_code: str, reason: str) -> None:
    """Mark the card in force of SI_CODE replaced and issue it again under a new serial."""
    from ansinh.cards.service import reissue_card

    result = _card_action(
        si_code, lambda db, number: reissue_card(db, number=number, reason=reason, staff_account_id=None)
    )
    click.echo(f"card {result.number} reissued: serial {result.previous_serial} replaced, new serial {result.serial}")


def _set_status(si_code: str, status: str, reason: str, decrease_reason: str | None = None) -> None:
    """Set the status of the card in force of ``si_code`` and report it."""
    from ansinh.cards.models import CardStatus, DecreaseReason
    from ansinh.cards.service import set_card_status

    result = _card_action(
        si_code,
        lambda db, number: set_card_status(
            db,
            number=number,
            status=CardStatus(status),
            decrease_reason=DecreaseReason(decrease_reason) if decrease_reason else None,
            reason=reason,
            staff_account_id=None,
        ),
    )
    click.echo(f"card {result.number} (serial {result.serial}) is now {result.status}")


@cards.command("revoke")
@click.argument("si_code")
@_reason_option
def cards_revoke(si_code: str, reason: str) -> None:
    """Withdraw the card in force of SI_CODE for good (its checks answer 110; reissue to replace it)."""
    _set_status(si_code, "withdrawn", reason)


@cards.command("decrease")
@click.argument("si_code")
@click.option(
    "--because",
    "decrease_reason",
    required=True,
    type=click.Choice(
        ["reported", "moved_out_of_province", "moved_within_province", "re_enrolled_same_employer", "stopped"]
    ),
    help="The decrease's reason: checks answer 120, 121, 122, 123 or 124 in this order.",
)
@_reason_option
def cards_decrease(si_code: str, decrease_reason: str, reason: str) -> None:
    """Report the card in force of SI_CODE reduced (báo giảm), with its reason (reversible with `reinstate`)."""
    _set_status(si_code, "decreased", reason, decrease_reason)


@cards.command("suspend")
@click.argument("si_code")
@_reason_option
def cards_suspend(si_code: str, reason: str) -> None:
    """Suspend the card in force of SI_CODE (reversible with `reinstate`)."""
    _set_status(si_code, "suspended", reason)


@cards.command("reinstate")
@click.argument("si_code")
@_reason_option
def cards_reinstate(si_code: str, reason: str) -> None:
    """Make a suspended or reported-reduced card of SI_CODE active again."""
    _set_status(si_code, "active", reason)


# --- ansinh jobs ---------------------------------------------------------------------------------------------------


@cli.group()
def gateway() -> None:
    """Facilities' gateway accounts (the national gateway's sign-in for hospital software)."""


@gateway.command("set-password")
@click.argument("username")
@click.password_option("--password", prompt="New gateway password", help="Read from the prompt (or stdin)")
def gateway_set_password(username: str, password: str) -> None:
    """Set USERNAME's gateway password; its open sessions in the shared store end."""
    from ansinh.core.store import create_store
    from ansinh.gateway.service import set_password

    async def work(db: "AsyncSession", settings: "Settings") -> bool:
        store = create_store(settings.redis_url, settings.redis_namespace)
        try:
            return await set_password(db, store, username=username.strip(), password=password)
        finally:
            await store.close()

    if len(password) < 12:
        raise click.ClickException("the password must have at least 12 characters")
    if not _run(work):
        raise click.ClickException(f"no gateway account {username!r}")
    click.echo(f"password of {username} set; its sessions have ended")


@cli.group()
def jobs() -> None:
    """Scheduled work: notices that fall due (arrears, expiring cards, household payments) and push delivery."""


@jobs.command("run-due")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Judge what is due as of this Vietnam date (default: today in Vietnam).",
)
@click.option(
    "--task",
    "only",
    multiple=True,
    help="Run only this task (repeatable), e.g. --task deliver_push every minute.",
)
def jobs_run_due(today: datetime | None, only: tuple[str, ...]) -> None:
    """Run every due task once and print counts per task; safe to run again (nothing is told or pushed twice)."""
    from ansinh.core.time import today_vn
    from ansinh.jobs.runner import run_due, task_names

    unknown = sorted(set(only) - set(task_names()))
    if unknown:
        raise click.BadParameter(
            f"unknown task {', '.join(unknown)}; one of: {', '.join(task_names())}", param_hint="--task"
        )
    report = asyncio.run(run_due(get_settings(), today=today.date() if today else today_vn(), only=only or None))
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)


# --- ansinh chip-id ------------------------------------------------------------------------------------------------


@cli.group("chip-id")
def chip_id() -> None:
    """The chip-ID trust store (CSCA certificates, ANSINH_CSCA_PATH)."""


@chip_id.command("import-master-list")
@click.argument("master_list", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--into",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The trust-store folder (ANSINH_CSCA_PATH) to write one PEM file per CSCA into.",
)
def chip_id_import_master_list(master_list: Path, folder: Path) -> None:
    """Check an ICAO master list's signature and write its CSCA certificates into FOLDER as PEM files."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from ansinh.chipid.signatures import fingerprint
    from ansinh.chipid.truststore import TrustStoreError, read_master_list

    try:
        certificates = read_master_list(master_list.read_bytes())
    except TrustStoreError as exc:
        raise click.ClickException(str(exc)) from exc
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for certificate in certificates:
        target = folder / f"csca-{fingerprint(certificate)[:16]}.pem"
        if not target.exists():
            target.write_bytes(certificate.public_bytes(Encoding.PEM))
            written += 1
    click.echo(f"{len(certificates)} CSCA certificates in the list, {written} new in {folder}")
    click.echo("The signature shows the list is intact; trust in it comes from where you obtained it.")


@chip_id.command("list-csca")
def chip_id_list_csca() -> None:
    """List the CSCA certificates of the configured trust store (subject, validity, SHA-256 fingerprint)."""
    from ansinh.chipid.signatures import fingerprint
    from ansinh.chipid.truststore import TrustStoreError, load_trust_store

    path = get_settings().csca_path
    if path is None:
        raise click.ClickException("ANSINH_CSCA_PATH is not set: chip-ID verification is off")
    try:
        store = load_trust_store(path)
    except (OSError, TrustStoreError) as exc:
        raise click.ClickException(f"the trust store at {path} cannot be read: {exc}") from exc
    for certificate in store.certificates:
        click.echo(
            f"{certificate.subject.rfc4514_string()}  "
            f"{certificate.not_valid_before_utc:%Y-%m-%d}..{certificate.not_valid_after_utc:%Y-%m-%d}  "
            f"{fingerprint(certificate)}"
        )
    click.echo(f"{len(store.certificates)} CSCA certificates")


def main() -> None:
    """Console-script entry point."""
    try:
        cli()
    except (MissingDatabaseError, InsecureSettingsError) as error:
        raise SystemExit(f"ansinh: {error}") from None


if __name__ == "__main__":
    main()

"""The `ansinh` command: run the server, migrate the database, seed demo data, manage keys and cards."""

import asyncio

import click

from ansinh.core.settings import get_settings


@click.group()
def cli() -> None:
    """AnSinh: citizen self-service for social and health insurance."""


@cli.command()
def migrate() -> None:
    """Apply database migrations (Alembic upgrade head); safe to run again."""
    from ansinh.core.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
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


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()

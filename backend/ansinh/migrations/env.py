"""Alembic environment: runs migrations on the async engine of the configured database."""

import asyncio
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from ansinh.core import registry  # noqa: F401  (registers every table on SQLModel.metadata)
from ansinh.core.db import create_engine
from ansinh.core.settings import Settings, get_settings
from ansinh.core.sql import UtcDateTime

config = context.config
target_metadata = SQLModel.metadata


def _settings() -> Settings:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    base = get_settings() if not url else Settings(env="dev", database_url=url)
    return base


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    # UtcDateTime is a Python-side wrapper: in the database it is a plain timezone-aware timestamp.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_settings())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_settings().database_url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    # Called from inside a running loop (tests, `ansinh migrate` under asyncio) or from the alembic CLI.
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())

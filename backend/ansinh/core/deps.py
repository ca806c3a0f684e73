"""Annotated names for the app-wide dependencies, so handlers declare them explicitly (Litestar 3 style)."""

from litestar.di import NamedDependency
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.tokens import Principal

# Use each under its dependency's name: `db_session: DbSession`, `principal: Caller`, …
DbSession = NamedDependency[AsyncSession]
ReadDb = NamedDependency[AsyncSession]  # `read_db: ReadDb`: autocommit, for handlers that only read
Store = NamedDependency[SharedStore]
AppSettings = NamedDependency[Settings]
Caller = NamedDependency[Principal]
Context = NamedDependency[RequestContext]

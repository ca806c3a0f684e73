"""The due-jobs runner: a tuple of named tasks, each run once in its own session; safe to run again."""

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.applications.service import apply_due_changes
from ansinh.core.db import create_engine, session_factory
from ansinh.core.settings import Settings
from ansinh.employers import coverage
from ansinh.jobs import due
from ansinh.notifications import push

logger = logging.getLogger("ansinh.jobs")

# A due task finds today's work and returns how many things it did. It must be idempotent: running it twice on
# the same day does nothing the second time (notifications carry dedupe keys; delivery marks what it sent).
DueTask = Callable[[AsyncSession, date, Settings], Awaitable[int]]

# Other domains add their tasks here. Order matters: notices are created before deliver_push sends them.
DUE_TASKS: tuple[tuple[str, DueTask], ...] = (
    ("application_changes", apply_due_changes),  # its status notices go out with deliver_push below
    ("employer_coverage", coverage.apply_due_changes),  # leaves whose coverage ended: cards reduced or moved
    ("employer_arrears", coverage.arrears_notices),  # "your employer has not paid N months", once a month
    ("card_expiring", due.card_expiring),
    ("household_payment_due", due.household_payment_due),
    ("deliver_push", push.deliver_push),
)


@dataclass
class RunReport:
    """How many things each task did, and which tasks failed."""

    counts: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{name}: {count}" for name, count in self.counts.items()]
        lines += [f"{name}: FAILED (see the log)" for name in self.failed]
        return "\n".join(lines)


def task_names() -> list[str]:
    """The names ``--task`` accepts."""
    return [name for name, _ in DUE_TASKS]


async def run_due(
    settings: Settings,
    *,
    today: date,
    only: Iterable[str] | None = None,
    engine: AsyncEngine | None = None,
    tasks: tuple[tuple[str, DueTask], ...] | None = None,
) -> RunReport:
    """Run each due task (or only the named ones) once; a failing task is rolled back and the rest still run."""
    wanted = set(only) if only else None
    own_engine = engine is None
    engine = engine or create_engine(settings)
    factory = session_factory(engine)
    report = RunReport()
    try:
        for name, task in tasks or DUE_TASKS:
            if wanted is not None and name not in wanted:
                continue
            async with factory() as session:
                try:
                    report.counts[name] = await task(session, today, settings)
                    await session.commit()
                except Exception:
                    await session.rollback()
                    logger.exception("due task %s failed", name)
                    report.failed.append(name)
    finally:
        if own_engine:
            await engine.dispose()
    return report

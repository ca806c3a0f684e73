"""Scan records written in group commits: concurrent clinic checks share one INSERT and one COMMIT.

A check answers only once its record is committed, so no answered scan is ever lost; while one batch is being
written the next requests queue up and go together in the following one (no timer, no added latency when idle).
A failed batch fails every request in it (nothing of it was committed), and each client may retry.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ansinh.clinics.models import CardCheck
from ansinh.notifications.models import NotificationKind
from ansinh.notifications.service import notify

logger = logging.getLogger("ansinh.clinics")
MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One check to log, and whether its holder asked to hear of it (the card-check notice)."""

    values: dict[str, Any]  # the card_check columns
    notice_facility: str | None = None  # the facility name for the holder's notice; None: no notice


class CheckRecorder:
    """Writes scan records in batches; ``record`` returns the committed row's id."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_batch: int = MAX_BATCH) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._pending: list[tuple[ScanRecord, asyncio.Future[int]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # how many commits wrote how many records: the group commit at work (tests, metrics)
        self.records = 0

    async def record(self, scan: ScanRecord) -> int:
        """Queue the record and wait until it is committed; its id."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._pending.append((scan, future))
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write_all())
        # Shielded: a client that hangs up does not take its record out of the batch (it is written all the same).
        return await asyncio.shield(future)

    async def drain(self) -> None:
        """Wait until every queued record is written (at shutdown)."""
        if self._writer is not None and not self._writer.done():
            await self._writer

    async def _write_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            try:
                ids = await self._write(batch)
            except Exception as exc:  # every request of the batch hears of it; nothing of the batch was kept
                logger.warning("scan batch of %d failed: %s", len(batch), exc)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.batches += 1
            self.records += len(batch)
            for (_, future), check_id in zip(batch, ids, strict=True):
                if not future.done():
                    future.set_result(check_id)

    async def _write(self, batch: list[tuple[ScanRecord, "asyncio.Future[int]"]]) -> list[int]:
        async with self._sessions() as db:
            connection = await db.connection()
            result = await connection.execute(
                insert(CardCheck).returning(CardCheck.id, sort_by_parameter_order=True),  # type: ignore[arg-type]
                [scan.values for scan, _ in batch],
            )
            ids = [row[0] for row in result.all()]
            for (scan, _), check_id in zip(batch, ids, strict=True):
                if scan.notice_facility is not None:
                    await notify(
                        db,  # type: ignore[arg-type]
                        person_id=scan.values["person_id"],
                        kind=NotificationKind.CARD_CHECKED,
                        dedupe_key=f"card-check:{check_id}",
                        params={"facility": scan.notice_facility, "checked_at": scan.values["checked_at"].isoformat()},
                        link="#/card",
                    )
            await db.commit()
        return ids

"""Group work: requests that arrive while one batch is being served go together in the next one.

A database round trip costs the server about as much CPU as the statement it carries (docs/PERFORMANCE.md); when
many requests need the same kind of statement at once, one statement for all of them saves the rest. There is no
timer: a lone request is served at once, and batches grow only when requests are already waiting.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

logger = logging.getLogger("ansinh.batching")
Item = TypeVar("Item")
Result = TypeVar("Result")


class Batcher(Generic[Item, Result]):
    """Serves submitted items in batches of at most ``max_batch``, ``concurrency`` batches at a time, in arrival order.

    ``serve`` gets the batch and returns one result per item, in the same order. If it fails, every item of that
    batch fails with its error (callers may retry); the next batch is served as usual.
    """

    def __init__(
        self,
        serve: Callable[[list[Item]], Awaitable[Sequence[Result]]],
        *,
        max_batch: int = 500,
        concurrency: int = 1,
    ) -> None:
        """``concurrency``: batches out at once. One groups the most; two keep a request that arrives just after a
        batch left from waiting for that whole round trip first (each worker serves the next batch when done)."""
        self._serve = serve
        self._max_batch = max_batch
        self._concurrency = concurrency
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._workers: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0  # how many batches served how many items: the grouping at work (tests, metrics)
        self.items = 0

    async def submit(self, item: Item) -> Result:
        """Queue ``item`` and wait for its result.

        A caller that gives up (cancelled) does not take its item out: once queued, it is served all the same,
        which is what a write (a scan record) needs.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # workers of an earlier event loop (tests run several) are gone with it
            self._workers, self._loop = set(), loop
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        # done(), not membership: a worker that has just found nothing left is done before its callback drops it.
        if sum(not worker.done() for worker in self._workers) < self._concurrency:
            worker = loop.create_task(self._serve_all())
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        return await future

    async def drain(self) -> None:
        """Wait until every queued item is served (at shutdown)."""
        while self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)

    async def _serve_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            try:
                results = await self._serve([item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"served {len(results)} results for {len(batch)} items")
            except BaseException as exc:  # every caller of the batch hears of it
                logger.warning("batch of %d failed: %r", len(batch), exc)
                failure = exc if isinstance(exc, Exception) else RuntimeError("the batch was cancelled")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(failure)
                if not isinstance(exc, Exception):  # cancelled (shutdown): stop, the next submit starts anew
                    raise
                continue
            self.batches += 1
            self.items += len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

"""Group work: items that arrive while a batch is being served go together in the next one, nothing is lost."""

import asyncio

import pytest

from ansinh.core.batching import Batcher


class Server:
    """A ``serve`` function that records its batches and can be held open, or made to fail."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_next = False

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("database gone")
        return [item * 10 for item in items]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_lone_item_is_served_at_once_in_a_batch_of_its_own() -> None:
    server = Server()
    batcher = Batcher(server)
    assert await batcher.submit(7) == 70
    assert server.batches == [[7]]


async def test_items_arriving_while_a_batch_is_out_go_together_in_the_next_each_with_its_own_result() -> None:
    server = Server()
    server.gate.clear()
    batcher = Batcher(server)
    first = asyncio.create_task(batcher.submit(1))
    await settle()  # the first batch is out, held open
    waiting = [asyncio.create_task(batcher.submit(n)) for n in (2, 3, 4)]
    await settle()
    server.gate.set()
    assert await first == 10
    assert [await task for task in waiting] == [20, 30, 40]
    assert server.batches == [[1], [2, 3, 4]]
    assert (batcher.batches, batcher.items) == (2, 4)


async def test_batches_are_at_most_max_batch_long() -> None:
    server = Server()
    server.gate.clear()
    batcher = Batcher(server, max_batch=2)
    tasks = [asyncio.create_task(batcher.submit(n)) for n in range(5)]
    await settle()
    server.gate.set()
    assert [await task for task in tasks] == [0, 10, 20, 30, 40]
    assert server.batches == [[0, 1], [2, 3], [4]]


async def test_a_failed_batch_fails_each_of_its_items_and_the_next_batch_is_served() -> None:
    server = Server()
    server.gate.clear()
    server.fail_next = True
    batcher = Batcher(server)
    doomed = [asyncio.create_task(batcher.submit(n)) for n in (1, 2)]
    await settle()
    later = asyncio.create_task(batcher.submit(3))
    await settle()
    server.gate.set()
    for task in doomed:
        with pytest.raises(ConnectionError):
            await task
    assert await later == 30


async def test_a_caller_that_gives_up_does_not_take_its_item_out() -> None:
    server = Server()
    server.gate.clear()
    batcher = Batcher(server)
    first = asyncio.create_task(batcher.submit(1))
    await settle()
    impatient = asyncio.create_task(batcher.submit(2))
    await settle()
    impatient.cancel()
    server.gate.set()
    assert await first == 10
    await batcher.drain()
    assert server.batches == [[1], [2]]  # served all the same (a scan record is written although nobody waits)


async def test_a_serve_function_that_loses_results_fails_its_batch() -> None:
    async def forgetful(items: list[int]) -> list[int]:
        return items[:-1]

    batcher = Batcher(forgetful)
    with pytest.raises(RuntimeError, match="1 results for 2 items"):
        await asyncio.gather(batcher.submit(1), batcher.submit(2))


async def test_with_two_workers_a_second_batch_goes_out_while_the_first_is_still_out() -> None:
    server = Server()
    server.gate.clear()
    batcher = Batcher(server, concurrency=2)
    first = asyncio.create_task(batcher.submit(1))
    await settle()
    second = asyncio.create_task(batcher.submit(2))
    await settle()
    assert server.batches == [[1], [2]]  # both out at once
    third = [asyncio.create_task(batcher.submit(n)) for n in (3, 4)]
    await settle()
    assert server.batches == [[1], [2]]  # both workers busy: these wait, together
    server.gate.set()
    assert [await first, await second, *[await task for task in third]] == [10, 20, 30, 40]
    assert server.batches == [[1], [2], [3, 4]]


async def test_an_item_queued_as_the_last_worker_finishes_is_still_served() -> None:
    server = Server()
    batcher = Batcher(server)
    for n in range(20):  # each submit lands just after the previous worker emptied the queue
        assert await batcher.submit(n) == n * 10
    assert batcher.items == 20

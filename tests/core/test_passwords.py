"""Argon2id hashing: right and wrong passwords, and hashing that cannot starve the worker's other requests."""

import os
import threading

from ansinh.core import passwords


async def test_a_hash_verifies_its_password_only() -> None:
    stored = await passwords.hash_password("Correct horse 2026")
    assert await passwords.verify_password(stored, "Correct horse 2026")
    assert not await passwords.verify_password(stored, "correct horse 2026")
    assert not await passwords.verify_password(None, "Correct horse 2026")  # no account: same work, still refused


def test_hashing_threads_run_at_the_lowest_priority() -> None:
    """~90 ms of CPU per hash at normal priority took the event loop's core (docs/PERFORMANCE.md); AnSinh runs on
    Linux (the Dockerfile's Debian), where niceness is per thread."""
    caller_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    niceness = passwords._HASH_POOL.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
    assert niceness == passwords.HASHING_NICENESS == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == caller_before  # the caller's thread untouched

"""Argon2id password (and client-secret) hashing, kept off the event loop."""

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHING_NICENESS = 19


def _lower_priority() -> None:
    """Run this hashing thread (and the lane threads Argon2 starts from it) at the lowest CPU priority."""
    # Linux sets niceness per thread; elsewhere (or if not permitted) hashing keeps the normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


# A bounded pool of low-priority threads: a hash costs far more CPU than any request. At normal priority a few
# sign-ins a second took the worker's core from its event loop (the card screen's fall is in docs/PERFORMANCE.md).
# At the lowest priority, hashing gets the CPU the other requests leave.
_HASH_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2", initializer=_lower_priority)


@lru_cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile


def hash_password_sync(password: str) -> str:
    """Argon2id hash of ``password`` (blocking; prefer ``hash_password`` in handlers)."""
    return _hasher().hash(password)


def verify_password_sync(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash`` (blocking)."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(stored_hash)


async def hash_password(password: str) -> str:
    """Argon2id hash of ``password``, computed in the hashing pool."""
    return await asyncio.get_running_loop().run_in_executor(_HASH_POOL, hash_password_sync, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-work check: an absent hash still costs one verification, so timing reveals nothing."""
    target = stored_hash or _dummy_hash()
    ok = await asyncio.get_running_loop().run_in_executor(_HASH_POOL, verify_password_sync, target, password)
    return ok and stored_hash is not None


@lru_cache
def _dummy_hash() -> str:
    return hash_password_sync("not-a-real-password-used-for-timing-only")

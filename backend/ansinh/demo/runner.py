"""`ansinh seed`: hashes the demo secrets once, then loads the demo data into the configured database."""

from datetime import date

from ansinh.core.db import create_engine
from ansinh.core.passwords import hash_password_sync
from ansinh.core.settings import Settings
from ansinh.demo.generator import SeedReport, seed_demo
from ansinh.demo.personas import CLINIC_SECRET, EMPLOYER_SECRET

DEMO_PASSWORD = "Demo@2026"  # the documented demo password, set only in dev


async def run_seed(settings: Settings, *, people: int, seed: int, today: date | None = None) -> SeedReport:
    """Seed demo data as on ``today`` (default: Vietnam's today); the demo password and client secrets only in dev."""
    engine = create_engine(settings)
    try:
        return await seed_demo(
            engine,
            people=people,
            seed=seed,
            today=today,
            password_hash=hash_password_sync(DEMO_PASSWORD) if settings.is_dev else None,
            clinic_secret_hash=hash_password_sync(CLINIC_SECRET) if settings.is_dev else None,
            employer_secret_hash=hash_password_sync(EMPLOYER_SECRET) if settings.is_dev else None,
        )
    finally:
        await engine.dispose()

"""Clinic fixtures: the card holders, clinics and staff the card tests use."""

from tests.cards.conftest import clinic, holder, other_holder, primary_facility, staff_headers
from tests.support import databases

__all__ = ["clinic", "holder", "other_holder", "primary_facility", "staff_headers"]

# The one-statement QR scan is PostgreSQL's: without TEST_DATABASE_URL its tests are not collected (not skipped).
collect_ignore = [] if databases.POSTGRES_URL else ["test_token_scans.py"]

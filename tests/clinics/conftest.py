"""Clinic fixtures: the card holders, clinics and staff the card tests use."""

from tests.cards.conftest import clinic, holder, other_holder, primary_facility, staff_headers

__all__ = ["clinic", "holder", "other_holder", "primary_facility", "staff_headers"]

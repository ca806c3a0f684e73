"""Look-up fixtures: the card holders and facilities the card tests use."""

from tests.cards.conftest import holder, primary_facility

__all__ = ["holder", "primary_facility"]

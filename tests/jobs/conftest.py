"""Jobs fixtures: households (from the household tests), a local push service and browsers (from notifications)."""

from tests.households.conftest import builder, family
from tests.notifications.conftest import push_service

__all__ = ["builder", "family", "push_service"]

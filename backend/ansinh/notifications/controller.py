"""Notification routes (being built)."""

from litestar import Controller


class NotificationController(Controller):
    path = ""
    tags = ["notifications"]

"""Passbook routes (being built)."""

from litestar import Controller


class PassbookController(Controller):
    path = ""
    tags = ["passbook"]

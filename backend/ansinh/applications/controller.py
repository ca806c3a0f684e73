"""Application routes (being built)."""

from litestar import Controller


class ApplicationController(Controller):
    path = "/me/applications"
    tags = ["applications"]


class StaffApplicationController(Controller):
    path = "/staff/applications"
    tags = ["applications"]

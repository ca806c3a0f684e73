"""Passkeys (WebAuthn): enrolment, usernameless sign-in and management. (Being written.)"""

from litestar import Controller


class PasskeyController(Controller):
    path = "/auth/passkeys"


class PasskeyManagementController(Controller):
    path = "/me/passkeys"

"""A software WebAuthn authenticator (and the browser's part of the ceremony) for API tests and benchmarks.

It answers the JSON options py_webauthn produces (``options_to_json``) with the JSON a browser's
``PublicKeyCredential.toJSON()`` would post: ES256 (P-256) credentials, "none" attestation,
discoverable (resident) credentials, user presence and verification, an optional signature counter
and backup flags. Knobs let a test play a misbehaving client: another origin, a counter that goes
backwards, no user verification.
"""

import hashlib
import json
import secrets
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

# Authenticator-data flags (WebAuthn §6.1).
FLAG_UP = 0x01  # user present
FLAG_UV = 0x04  # user verified
FLAG_BE = 0x08  # backup eligible
FLAG_BS = 0x10  # backed up
FLAG_AT = 0x40  # attested credential data included

COSE_ES256 = -7
# A made-up AAGUID that no real provider uses, so tests can tell our authenticator's passkeys apart.
SOFT_AAGUID = bytes.fromhex("a75b0f7e5e2c4f0d9d6b5a7e50f7a11d")


def b64url(data: bytes) -> str:
    """Base64url without padding, as WebAuthn's JSON uses."""
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url`."""
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AuthenticatorError(Exception):
    """What a browser would reject with a DOMException (e.g. InvalidStateError, NotAllowedError)."""


@dataclass
class SoftCredential:
    """One discoverable credential held by the authenticator."""

    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    user_name: str
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        """The public key as a COSE_Key (EC2, P-256, ES256)."""
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: COSE_ES256, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")},
            canonical=True,
        )


@dataclass
class SoftAuthenticator:
    """A platform authenticator with user verification, in software.

    ``origin`` is what the "browser" writes into clientDataJSON. With ``counter=False`` the sign
    count stays 0 (as most synced passkeys do); ``backup_eligible``/``backed_up`` set the BE/BS flags.
    """

    origin: str
    aaguid: bytes = SOFT_AAGUID
    counter: bool = True
    backup_eligible: bool = False
    backed_up: bool = False
    user_verified: bool = True
    transports: tuple[str, ...] = ("internal",)
    credentials: dict[bytes, SoftCredential] = field(default_factory=dict)

    # ---- registration: navigator.credentials.create() -------------------------------------------

    def create(
        self, options: dict[str, Any], *, origin: str | None = None, reuse: SoftCredential | None = None
    ) -> dict[str, Any]:
        """Make a new credential for ``options`` (the ``publicKey`` JSON); returns the credential JSON.

        ``reuse`` attests an existing credential again, ignoring exclusion (as a broken or hostile client might).
        """
        rp_id = options["rp"]["id"]
        if not any(p.get("alg") == COSE_ES256 for p in options.get("pubKeyCredParams", [])):
            raise AuthenticatorError("NotSupportedError: ES256 not offered")
        excluded = {b64url_decode(c["id"]) for c in options.get("excludeCredentials") or []}
        if reuse is None and excluded & self.credentials.keys():
            raise AuthenticatorError("InvalidStateError: a credential on this authenticator is excluded")
        user = options["user"]
        user_handle = b64url_decode(user["id"])
        credential = reuse or SoftCredential(
            credential_id=secrets.token_bytes(32),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=rp_id,
            user_handle=user_handle,
            user_name=user["name"],
        )
        if reuse is None:
            # A discoverable credential replaces another for the same account at the same RP (as platforms do).
            for other in [c for c in self.credentials.values() if (c.rp_id, c.user_handle) == (rp_id, user_handle)]:
                del self.credentials[other.credential_id]
            self.credentials[credential.credential_id] = credential

        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attested = (
            self.aaguid
            + struct.pack(">H", len(credential.credential_id))
            + credential.credential_id
            + credential.cose_public_key()
        )
        auth_data = self._auth_data(rp_id, credential.sign_count, FLAG_AT) + attested
        attestation_object = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation_object),
                "transports": list(self.transports),
                "publicKeyAlgorithm": COSE_ES256,
            },
        }

    # ---- authentication: navigator.credentials.get() --------------------------------------------

    def get(
        self,
        options: dict[str, Any],
        *,
        credential_id: bytes | None = None,
        origin: str | None = None,
        sign_count: int | None = None,
    ) -> dict[str, Any]:
        """Sign an assertion for ``options``; returns the credential JSON.

        Without ``credential_id`` the newest credential for the RP is used (usernameless sign-in);
        ``sign_count`` forces the counter reported (e.g. to replay an old value).
        """
        rp_id = options.get("rpId") or ""
        credential = self._pick(rp_id, options, credential_id)
        if sign_count is None:
            if self.counter:
                credential.sign_count += 1
            sign_count = credential.sign_count
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(rp_id, sign_count, 0)
        signature = credential.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(credential.user_handle),
            },
        }

    # ---- helpers --------------------------------------------------------------------------------

    def credential_for(self, user_name: str) -> SoftCredential:
        """The credential this authenticator holds for ``user_name``."""
        return next(c for c in self.credentials.values() if c.user_name == user_name)

    def _pick(self, rp_id: str, options: dict[str, Any], credential_id: bytes | None) -> SoftCredential:
        allowed = {b64url_decode(c["id"]) for c in options.get("allowCredentials") or []}
        candidates = [
            c
            for c in self.credentials.values()
            if c.rp_id == rp_id
            and (not allowed or c.credential_id in allowed)
            and (credential_id is None or c.credential_id == credential_id)
        ]
        if not candidates:
            raise AuthenticatorError("NotAllowedError: no credential for this request")
        return candidates[-1]

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False},
            separators=(",", ":"),
        ).encode()

    def _auth_data(self, rp_id: str, sign_count: int, extra_flags: int) -> bytes:
        flags = FLAG_UP | extra_flags
        if self.user_verified:
            flags |= FLAG_UV
        if self.backup_eligible:
            flags |= FLAG_BE
        if self.backed_up:
            flags |= FLAG_BS
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)

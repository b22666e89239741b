"""The tool's signing keys: generated and rotated by CLI, private halves encrypted at rest.

The private PEM is encrypted with a Fernet key derived from the app's SECRET_KEY, so a copy of
the database alone does not reveal it (and changing SECRET_KEY means: rotate the LTI key).
After a rotation the previous public key stays in the JWKS for ``LTI_KEY_GRACE_DAYS`` so that
platforms which cached the old key set keep accepting tokens signed just before the rotation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from jwcrypto.jwk import JWK
from sqlalchemy import or_, select

from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti.models import ToolKey

#: Days a retired public key stays published.
DEFAULT_GRACE_DAYS = 7


class NoToolKey(RuntimeError):
    """No signing key exists yet (run ``flask lti rotate-key``)."""


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hashlib.sha256(b"learnpath-lti-key:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def public_jwk(public_pem: str) -> dict[str, Any]:
    """The JWK of a public key, with kid (its RFC 7638 thumbprint), alg and use."""
    key = JWK.from_pem(public_pem.encode())
    jwk: dict[str, Any] = json.loads(key.export_public())
    jwk.update(kid=key.thumbprint(), alg="RS256", use="sig")
    return jwk


def rotate_key() -> ToolKey:
    """Create a new signing key and retire the current one (still published for a while)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    now = utcnow()
    for old in db.session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))):
        old.retired_at = now
    key = ToolKey(
        kid=public_jwk(public_pem)["kid"],
        public_pem=public_pem,
        private_pem_encrypted=_fernet().encrypt(private_pem.encode()).decode(),
        created_at=now,
    )
    db.session.add(key)
    db.session.flush()
    return key


def current_key() -> ToolKey:
    """The key the tool signs with now."""
    key = db.session.scalar(
        select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id.desc()).limit(1)
    )
    if key is None:
        raise NoToolKey("No LTI key yet: run `flask lti rotate-key`.")
    return key


def private_pem(key: ToolKey) -> str:
    """Decrypt the private half (only for signing; never shown)."""
    return _fernet().decrypt(key.private_pem_encrypted.encode()).decode()


def published_keys() -> list[ToolKey]:
    """The current key and the keys retired within the grace period, newest first."""
    grace = timedelta(days=current_app.config.get("LTI_KEY_GRACE_DAYS", DEFAULT_GRACE_DAYS))
    return list(
        db.session.scalars(
            select(ToolKey)
            .where(or_(ToolKey.retired_at.is_(None), ToolKey.retired_at > utcnow() - grace))
            .order_by(ToolKey.id.desc())
        )
    )


def jwks() -> dict[str, list[dict[str, Any]]]:
    """The tool's public key set."""
    return {"keys": [public_jwk(key.public_pem) for key in published_keys()]}

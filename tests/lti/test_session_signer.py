"""The session interface keeps its signer per secret key (built once, not per request)."""

from __future__ import annotations

from learnpath.lti.cookies import LtiSessionInterface


def test_the_signer_is_built_once_per_secret_key(app):
    interface = LtiSessionInterface()
    first = interface.get_signing_serializer(app)
    assert first is not None
    assert interface.get_signing_serializer(app) is first
    token = first.dumps({"a": 1})
    old_key = app.secret_key
    try:
        app.secret_key = "another-secret"
        other = interface.get_signing_serializer(app)
        assert other is not None and other is not first
        assert other.loads(other.dumps({"b": 2})) == {"b": 2}
        # The old key's cookies are not accepted with the new key (no fallback configured).
        assert other.loads_unsafe(token)[0] is False
    finally:
        app.secret_key = old_key
    assert interface.get_signing_serializer(app) is first


def test_no_secret_key_gives_no_signer(app):
    interface = LtiSessionInterface()
    old_key = app.secret_key
    try:
        app.secret_key = None
        assert interface.get_signing_serializer(app) is None
    finally:
        app.secret_key = old_key

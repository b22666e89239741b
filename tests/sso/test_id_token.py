"""The ID token checks on tokens made here: each wrong token is refused with its reason."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from learnpath.lti import fetching
from learnpath.sso import services
from learnpath.sso.models import MfaClaim, OidcProvider

ISSUER = "https://login.example.org/tenant-1"
ENTRA_TENANT = "2f3c1a7e-1111-4222-8333-444455556666"
ENTRA = f"https://login.microsoftonline.com/{ENTRA_TENANT}/v2.0"
NONCE = "the-nonce-of-this-attempt"
KEY = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
DOCUMENT = {"issuer": ISSUER, "jwks_uri": "https://login.example.org/jwks"}


@pytest.fixture(autouse=True)
def _jwks(monkeypatch: pytest.MonkeyPatch) -> None:
    public = KEY.as_dict(private=False)
    monkeypatch.setattr(fetching, "key_set", lambda url, kid: {"keys": [public]})


def _provider(issuer: str = ISSUER, **values: Any) -> OidcProvider:
    return OidcProvider(
        issuer=issuer,
        client_id="learnpath",
        mfa_claim=values.pop("mfa_claim", MfaClaim.AMR),
        mfa_values=values.pop("mfa_values", "mfa"),
        allowed_domains="testdorp.nl",
    )


def _token(key: RSAKey = KEY, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": "learnpath",
        "sub": "person-1",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": "key-1"}, body, key)


def _check(token: str, provider: OidcProvider | None = None, document=None) -> dict[str, Any]:
    return services.validate_id_token(provider or _provider(), document or DOCUMENT, token, NONCE)


def test_a_right_token_gives_its_claims(app):
    assert _check(_token(email="a@testdorp.nl"))["email"] == "a@testdorp.nl"


@pytest.mark.parametrize(
    ("claims", "key", "reason"),
    [
        ({"iss": "https://evil.example.org"}, KEY, "andere inlogdienst"),
        ({"aud": "another-app"}, KEY, "andere toepassing"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, KEY, "verlopen"),
        ({"nonce": "an-earlier-nonce"}, KEY, "andere poging"),
        ({"nonce": None}, KEY, "andere poging"),
        ({}, OTHER_KEY, "handtekening van de inlog klopt niet"),
    ],
    ids=["wrong-issuer", "wrong-audience", "expired", "nonce-replay", "no-nonce", "bad-signature"],
)
def test_a_wrong_token_is_refused(app, claims, key, reason):
    with pytest.raises(services.SsoError) as refused:
        _check(_token(key=key, **claims))
    assert reason in str(refused.value)


def test_an_unsigned_or_symmetric_token_is_refused(app):
    from joserfc.jwk import OctKey

    secret = OctKey.import_key("learnpath-client-secret-that-is-long-enough")
    forged = jwt.encode({"alg": "HS256", "kid": "key-1"}, {"iss": ISSUER}, secret)
    with pytest.raises(services.SsoError):
        _check(forged)
    header_only = _token().rsplit(".", 1)[0] + "."
    with pytest.raises(services.SsoError):
        _check(header_only)
    with pytest.raises(services.SsoError):
        _check("not a token at all")


def test_entra_id_tokens_must_come_from_the_tenant_of_the_issuer(app):
    provider = _provider(ENTRA)
    document = {"issuer": ENTRA, "jwks_uri": DOCUMENT["jwks_uri"]}
    right = _token(iss=ENTRA, tid=ENTRA_TENANT, oid="object-id-1")
    claims = _check(right, provider, document)
    assert services.subject_of(provider, claims) == "object-id-1"  # oid, not the pairwise sub
    other_tenant = _token(iss=ENTRA, tid="99999999-0000-4000-8000-000000000000")
    with pytest.raises(services.SsoError) as refused:
        _check(other_tenant, provider, document)
    assert "Microsoft-tenant" in str(refused.value)


def test_the_providers_second_factor_counts_as_configured():
    amr = _provider()
    assert services.provider_checked_mfa(amr, {"amr": ["pwd", "mfa"]})
    assert not services.provider_checked_mfa(amr, {"amr": ["pwd"]})
    assert not services.provider_checked_mfa(amr, {"amr": "mfa"})  # must be a list
    acr = _provider(mfa_claim=MfaClaim.ACR, mfa_values="urn:example:loa:high")
    assert services.provider_checked_mfa(acr, {"acr": "urn:example:loa:high"})
    assert not services.provider_checked_mfa(acr, {"acr": "urn:example:loa:low"})
    never = _provider(mfa_claim=MfaClaim.NONE)
    assert not services.provider_checked_mfa(never, {"amr": ["mfa"]})


def test_entra_email_is_verified_by_xms_edov_only():
    entra = _provider(ENTRA)
    assert services._email_verified(entra, {"xms_edov": True})
    assert not services._email_verified(entra, {})
    assert not services._email_verified(_provider(), {"xms_edov": True})

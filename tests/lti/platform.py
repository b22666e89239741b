"""A small but real LTI 1.3 platform for the tests: an HTTP server in a thread.

It has its own RSA key and serves: its JWKS, an OIDC authentication endpoint that answers
with a signed id_token in an auto-posting form (as Moodle and Canvas do), a token endpoint
that checks the tool's signed client assertion against the tool's JWKS, an NRPS roster
(two pages, linked with a ``Link: rel="next"`` header) and AGS line items and scores.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]


class TestPlatform:
    """Start with ``with TestPlatform(tool_jwks) as platform:``."""

    __test__ = False  # not a pytest test class

    client_id = "learnpath-client"
    deployment_id = "deployment-1"
    kid = "platform-key-1"

    def __init__(self, tool_jwks: Callable[[], dict[str, Any]]) -> None:
        self.tool_jwks = tool_jwks
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pending: dict[str, dict[str, Any]] = {}
        self.members: list[dict[str, Any]] = []
        self.lineitems: list[dict[str, Any]] = []
        self.scores: list[dict[str, Any]] = []
        self.tokens: set[str] = set()
        self.token_requests: list[dict[str, Any]] = []
        #: Key-set requests served, a delay before answering them, keys published besides ours.
        self.jwks_requests = 0
        self.jwks_delay = 0.0
        self.extra_keys: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.url

    def __enter__(self) -> TestPlatform:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the tool registers ---------------------------------------------------------

    def registration_values(self) -> dict[str, str]:
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "auth_login_url": self.url + "/auth",
            "auth_token_url": self.url + "/token",
            "key_set_url": self.url + "/jwks",
        }

    # --- launches ------------------------------------------------------------------------

    def prepare_launch(
        self,
        sub: str,
        roles: list[str],
        *,
        resource_link_id: str = "link-1",
        email: str | None = None,
        name: str = "Sam Leerling",
        message_type: str = "LtiResourceLinkRequest",
        **overrides: Any,
    ) -> str:
        """Remember what the next launch with the returned login_hint says; return the hint."""
        hint = uuid.uuid4().hex
        claims: dict[str, Any] = {
            "sub": sub,
            "name": name,
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "roles": roles,
            CLAIM + "context": {"id": "course-1", "title": "Loopbaan 2025"},
            CLAIM + "target_link_uri": "",
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.url + "/nrps/course-1",
                "service_versions": ["2.0"],
            },
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": AGS_SCOPES,
                "lineitems": self.url + "/lineitems",
            },
        }
        if message_type == "LtiResourceLinkRequest":
            claims[CLAIM + "resource_link"] = {"id": resource_link_id, "title": "Loopbaantraject"}
        else:
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": self.url + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
            }
        if email:
            claims["email"] = email
        claims.update(overrides)
        self.pending[hint] = claims
        return hint

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    def _id_token(self, query: dict[str, str]) -> tuple[int, str]:
        claims = dict(self.pending.get(query.get("login_hint", ""), {}))
        if not claims or query.get("client_id") != self.client_id:
            return 400, "unknown login"
        now = int(time.time())
        claims.setdefault("iss", self.issuer)
        claims.setdefault("aud", self.client_id)
        claims.setdefault("iat", now)
        claims.setdefault("exp", now + 300)
        claims["nonce"] = query["nonce"]
        token = self.sign(claims)
        form = (
            f'<form method="post" action="{html.escape(query["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{html.escape(query["state"])}">'
            "</form>"
        )
        return 200, form

    # --- services ------------------------------------------------------------------------

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        assertion = form.get("client_assertion", "")
        header = jwt.get_unverified_header(assertion)
        keys = {k["kid"]: k for k in self.tool_jwks()["keys"]}
        if header.get("kid") not in keys:
            return 401, {"error": "invalid_client"}
        public = RSAAlgorithm.from_jwk(json.dumps(keys[header["kid"]]))
        try:
            claims = jwt.decode(
                assertion,
                public,
                algorithms=["RS256"],
                audience=self.url + "/token",  # type: ignore[arg-type]
            )
        except jwt.InvalidTokenError:
            return 401, {"error": "invalid_client"}
        if claims.get("iss") != self.client_id:
            return 401, {"error": "invalid_client"}
        token = uuid.uuid4().hex
        self.tokens.add(token)
        self.token_requests.append({"kid": header["kid"], "scope": form.get("scope")})
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    def _members_page(self, page: int) -> tuple[dict[str, Any], dict[str, str]]:
        half = (len(self.members) + 1) // 2
        chunk = self.members[:half] if page == 1 else self.members[half:]
        headers = {"Content-Type": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"}
        if page == 1:
            headers["Link"] = f'<{self.url}/nrps/course-1?page=2>; rel="next"'
        return {"id": self.url + "/nrps/course-1", "members": chunk}, headers

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, str) else json.dumps(body)
                self.send_response(status)
                for name, value in (headers or {"Content-Type": "application/json"}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data.encode())

            def _authorised(self) -> bool:
                auth = self.headers.get("Authorization", "")
                return auth.startswith("Bearer ") and auth[7:] in platform.tokens

            def _body(self) -> str:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/jwks":
                    platform.jwks_requests += 1
                    time.sleep(platform.jwks_delay)
                    public = json.loads(RSAAlgorithm.to_jwk(platform.key.public_key()))
                    public.update(kid=platform.kid, alg="RS256", use="sig")
                    return self._send(200, {"keys": [public, *platform.extra_keys]})
                if parts.path == "/auth":
                    status, body = platform._id_token(query)
                    return self._send(status, body, {"Content-Type": "text/html"})
                if not self._authorised():
                    return self._send(401, {"error": "unauthorised"})
                if parts.path == "/nrps/course-1":
                    body, headers = platform._members_page(int(query.get("page", 1)))
                    return self._send(200, body, headers)
                if parts.path == "/lineitems":
                    return self._send(200, platform.lineitems)
                return self._send(404, {})

            def do_POST(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                body = self._body()
                if path == "/token":
                    status, answer = platform._token({k: v[0] for k, v in parse_qs(body).items()})
                    return self._send(status, answer)
                if not self._authorised():
                    return self._send(401, {"error": "unauthorised"})
                if path == "/lineitems":
                    item = json.loads(body)
                    item["id"] = f"{platform.url}/lineitems/{len(platform.lineitems) + 1}"
                    platform.lineitems.append(item)
                    return self._send(201, item)
                match = re.fullmatch(r"/lineitems/(\d+)/scores", path)
                if match:
                    platform.scores.append({"lineitem": int(match.group(1)), **json.loads(body)})
                    return self._send(204, "")
                return self._send(404, {})

        return Handler


def parse_auth_form(page: str) -> dict[str, str]:
    """The action and fields of the platform's auto-posting form."""
    action = re.search(r'action="([^"]+)"', page)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
    return {"action": html.unescape(action.group(1)) if action else "", **fields}

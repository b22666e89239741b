"""Microsoft Teams meetings through Microsoft Graph, with the organisation's app registration.

- a token by the OAuth 2.0 client-credentials grant:
  ``POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`` with ``client_id``,
  ``client_secret``, ``scope=https://graph.microsoft.com/.default`` and
  ``grant_type=client_credentials``;
- a meeting on behalf of the organiser (application permission ``OnlineMeetings.ReadWrite.All``
  and an application access policy granted to that account, see the README):
  ``POST /v1.0/users/{organizer}/onlineMeetings`` with ``startDateTime``, ``endDateTime`` and
  ``subject`` (201, the onlineMeeting with ``id`` and ``joinWebUrl``); moved with ``PATCH
  /v1.0/users/{organizer}/onlineMeetings/{id}``, cancelled with ``DELETE`` (204).

Tested against recorded examples of these requests and responses from Microsoft's
documentation (tests/rooms/graph/); no test talks to the network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from flask_babel import lazy_gettext as _l

from learnpath.cohorts.models import CohortSession
from learnpath.rooms.providers import Made, ProviderFailed

LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com/v1.0"
SCOPE = "https://graph.microsoft.com/.default"
TIMEOUT = 15


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meeting_body(session: CohortSession, subject: str) -> dict[str, Any]:
    return {
        "startDateTime": _iso(session.starts_at),
        "endDateTime": _iso(session.ends_at),
        "subject": subject[:250],
    }


class TeamsRooms:
    def __init__(self, tenant_id: str, client_id: str, client_secret: str, organizer: str) -> None:
        if not (tenant_id and client_id and client_secret and organizer):
            raise ProviderFailed(
                _l(
                    "The Microsoft Teams settings are incomplete (tenant, client, secret, organiser)."
                ),
                retry=False,
            )
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.organizer = organizer
        self.http = requests.Session()
        self._token: str | None = None

    # -- transport --------------------------------------------------------------------------

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.http.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ProviderFailed(
                _l("Microsoft could not be reached (%(kind)s).", kind=type(exc).__name__)
            ) from exc
        return response

    @staticmethod
    def _failure(what: object, response: requests.Response) -> ProviderFailed:
        code = ""
        try:
            body = response.json()
            error = body.get("error")
            code = error.get("code", "") if isinstance(error, dict) else str(error or "")
        except ValueError:
            pass
        retry = response.status_code in (408, 429) or response.status_code >= 500
        detail = f" ({code})" if code else ""
        message = _l(
            "%(what)s: HTTP %(status)s%(detail)s.",
            what=what,
            status=response.status_code,
            detail=detail,
        )
        return ProviderFailed(str(message)[:480], retry=retry)

    def token(self) -> str:
        if self._token is None:
            response = self._call(
                "POST",
                f"{LOGIN}/{quote(self.tenant_id, safe='')}/oauth2/v2.0/token",
                data={
                    "client_id": self.client_id,
                    "scope": SCOPE,
                    "client_secret": self.client_secret,
                    "grant_type": "client_credentials",
                },
            )
            if response.status_code != 200:
                failure = self._failure(_l("Microsoft refused the app registration"), response)
                failure.retry = response.status_code >= 500 or response.status_code == 429
                raise failure
            token = response.json().get("access_token")
            if not isinstance(token, str) or not token:
                raise ProviderFailed(_l("Microsoft sent no access token."))
            self._token = token
        return self._token

    def _graph(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self._call(method, f"{GRAPH}{path}", json=body, headers=headers)

    def _meetings(self) -> str:
        return f"/users/{quote(self.organizer, safe='')}/onlineMeetings"

    @staticmethod
    def _made(response: requests.Response) -> Made:
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderFailed(_l("Microsoft's answer could not be read.")) from exc
        meeting_id, url = body.get("id"), body.get("joinWebUrl") or body.get("joinUrl")
        if not (
            isinstance(meeting_id, str) and isinstance(url, str) and url.startswith("https://")
        ):
            raise ProviderFailed(_l("Microsoft's answer has no meeting link."))
        return Made(meeting_id, url)

    # -- the provider interface -------------------------------------------------------------

    def create(self, session: CohortSession, subject: str) -> Made:
        response = self._graph("POST", self._meetings(), meeting_body(session, subject))
        if response.status_code not in (200, 201):
            raise self._failure(_l("The Teams meeting could not be made"), response)
        return self._made(response)

    def update(self, session: CohortSession, subject: str, external_id: str) -> Made | None:
        path = f"{self._meetings()}/{quote(external_id, safe='')}"
        response = self._graph("PATCH", path, meeting_body(session, subject))
        if response.status_code == 404:
            return self.create(session, subject)  # deleted at Microsoft: make a new one
        if response.status_code != 200:
            raise self._failure(_l("The Teams meeting could not be moved"), response)
        return self._made(response)

    def cancel(self, external_id: str) -> None:
        path = f"{self._meetings()}/{quote(external_id, safe='')}"
        response = self._graph("DELETE", path)
        if response.status_code not in (200, 204, 404):
            raise self._failure(_l("The Teams meeting could not be cancelled"), response)

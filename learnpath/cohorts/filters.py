"""Template globals about cohorts and their sessions, in the words of the cohort's track."""

from __future__ import annotations

from flask.sansio.app import App

from learnpath.cohorts.models import Cohort, CohortSession
from learnpath.cohorts.tracks import track_of


def session_name(session: CohortSession) -> str:
    """The session's name in the current language (e.g. "Introductiesessie"), for any kind."""
    return track_of(session.cohort).session_name(session)


def member_page(cohort: Cohort) -> str:
    """Where members of the cohort's kind find their sessions, for use in a sentence."""
    return str(track_of(cohort).wording.page)


def init_app(app: App) -> None:
    app.add_template_global(session_name, "session_name")
    app.add_template_global(member_page, "member_page")

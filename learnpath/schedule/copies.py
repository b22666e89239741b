"""A new cohort from a copied cohort's or a template's pattern (``cohorts.copying``): the
settings as entered on the form, the sessions shifted to the new first date and planned
through the same rules as any schedule (``services.schedule_sessions``), in one unit of work.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from learnpath.accounts.models import Organisation, User
from learnpath.cohorts import copying
from learnpath.cohorts.models import Cohort
from learnpath.cohorts.services import CohortData, CohortError, create_cohort
from learnpath.cohorts.tracks import track_of
from learnpath.content_registry import get_content
from learnpath.i18n import current_locale
from learnpath.schedule import services


class CopyRefused(CohortError):
    """The copied sessions do not fit; ``lines``: (session name, message) pairs."""

    def __init__(self, message: object, errors: dict[str, str], lines: list[tuple[str, str]]):
        super().__init__(message, errors)
        self.lines = lines


def _inputs(shifted: list[copying.ShiftedSession]) -> list[services.SessionInput]:
    return [
        services.SessionInput(s.slug, s.day, s.start, s.minutes, s.meeting_url, s.notes)
        for s in shifted
    ]


def copy_cohort(
    organisation: Organisation,
    pattern: copying.Pattern,
    data: CohortData,
    first_day: date | None,
    actor: User,
) -> Cohort:
    """Create the cohort and plan the pattern's sessions from ``first_day`` on."""
    if pattern.sessions:
        if first_day is None:
            message = _l("Enter the date of the first session.")
            raise CohortError(message, {"first_day": str(message)})
        wrong_day = copying.weekday_error(pattern, first_day)
        if wrong_day:
            raise CohortError(wrong_day, {"first_day": wrong_day})
    data.kind = pattern.kind
    cohort = create_cohort(organisation, pattern.programme_slug, get_content().version, data, actor)
    if not pattern.sessions or first_day is None:
        return cohort
    plan = track_of(cohort).plan(cohort)
    shifted = copying.shifted_sessions(pattern, first_day)
    if not plan.is_open_ended and [s.slug for s in shifted] != [s.slug for s in plan.slots]:
        message = _l(
            "The programme's sessions have changed since; create the cohort without copying "
            "and plan its sessions."
        )
        raise CohortError(message, {"first_day": str(message)})
    try:
        services.schedule_sessions(cohort, plan, _inputs(shifted), actor)
    except services.ScheduleInvalid as exc:
        names = {slot.slug: slot.name.get(current_locale()) for slot in plan.slots if slot.name}
        lines = [
            (names.get(slug, slug), message)
            for slug, fields in exc.session_errors.items()
            for message in fields.values()
        ]
        summary = _l("Some sessions do not fit on the new dates: choose another first date.")
        raise CopyRefused(summary, {"first_day": str(summary)}, lines) from exc
    return cohort

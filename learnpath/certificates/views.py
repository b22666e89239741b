"""Certificate downloads: the participant's own, and a facilitator's copy for their cohort."""

from __future__ import annotations

from flask import Response, abort
from flask.typing import ResponseReturnValue

from learnpath.accounts.models import Role
from learnpath.certificates import services
from learnpath.certificates.blueprint import bp
from learnpath.cohorts.access import (
    get_cohort_enrolment,
    get_facilitated_cohort,
    get_own_enrolment,
)
from learnpath.cohorts.models import Enrolment
from learnpath.content_registry import get_content
from learnpath.web.access import roles


def _pdf(enrolment: Enrolment) -> Response:
    content = get_content()
    if not services.has_earned(enrolment, content):
        abort(404)
    from learnpath.certificates.pdf import render_certificate  # fpdf2 on first use

    data = render_certificate(enrolment, services.attended_sessions(enrolment), content)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificaat-{enrolment.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/mijn-traject/<id:enrolment_id>/certificaat.pdf")
@roles(Role.PARTICIPANT)
def mine(enrolment_id: int) -> ResponseReturnValue:
    """The participant's own certificate of participation (404 when not earned)."""
    return _pdf(get_own_enrolment(enrolment_id))


@bp.route("/cohorten/<id:cohort_id>/certificaten/<id:enrolment_id>.pdf")
@roles(Role.FACILITATOR)
def for_facilitator(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """A participant's certificate, for a facilitator of the cohort."""
    cohort = get_facilitated_cohort(cohort_id)
    return _pdf(get_cohort_enrolment(cohort, enrolment_id))

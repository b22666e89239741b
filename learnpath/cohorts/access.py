"""Loaders for pages about cohorts, for every feature (Flask-tutorial style ``get_<thing>(id)``).

Each loads one object for the signed-in user or ends the request with 404: both when it does
not exist and when it is not this user's to see, so a URL never tells whether an id exists.
Schedule, assignments, action plans, reports, LTI and the manager tracks use these loaders;
no feature borrows another feature's views.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from learnpath.accounts.managers import is_own_manager
from learnpath.cohorts.models import Cohort, Enrolment
from learnpath.cohorts.services import can_manage, facilitates
from learnpath.extensions import db


def get_managed_cohort(cohort_id: int) -> Cohort:
    """The cohort if the current user facilitates (manages) it; 404 otherwise."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage(current_user, cohort):
        abort(404)
    return cohort


def get_facilitated_cohort(cohort_id: int) -> Cohort:
    """The cohort if the current user is one of its facilitators; 404 otherwise (also for a
    network coordinator who runs it without facilitating: the participants' work stays with
    the facilitators, cohorts.services.facilitates)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not facilitates(current_user, cohort):
        abort(404)
    return cohort


def get_cohort_enrolment(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """An enrolment of this cohort (any status); 404 if it belongs to another cohort."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort.id:
        abort(404)
    return enrolment


def get_own_enrolment(enrolment_id: int) -> Enrolment:
    """One of the current user's own enrolments; 404 for anyone else's."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(404)
    return enrolment


def get_team_enrolment(enrolment_id: int) -> Enrolment:
    """An enrolment of someone the current user manages directly; 404 otherwise."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if not is_own_manager(current_user, enrolment.user):
        abort(404)
    return enrolment

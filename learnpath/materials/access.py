"""Loaders for the materials pages: 404 for anyone who may not see the session's materials."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from learnpath.cohorts.models import CohortSession
from learnpath.extensions import db
from learnpath.materials import services
from learnpath.materials.models import SessionMaterial


@dataclass(frozen=True)
class Seen:
    session: CohortSession
    #: True for a facilitator of the cohort (adds and removes), False for a participant.
    manages: bool


def get_session_for_materials(session_id: int) -> Seen:
    """The session if the current user facilitates its cohort or holds a place in it."""
    session = db.get_or_404(CohortSession, session_id)
    if services.may_manage(current_user, session):
        return Seen(session, True)
    if services.viewer_enrolment(current_user, session) is not None:
        return Seen(session, False)
    abort(404)


def get_managed_material(material_id: int) -> SessionMaterial:
    material = db.get_or_404(SessionMaterial, material_id)
    if not services.may_manage(current_user, material.session):
        abort(404)
    return material

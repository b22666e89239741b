"""Action plans answer what other features ask of them (see privacy/signals.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.action_plans import plan_data, presenters
from learnpath.action_plans.models import ActionPlan, PlanStatus
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.privacy.signals import PersonalFiles, personal_files


@personal_files.connect
def _plan_exports(_sender: Any, *, user: User) -> PersonalFiles | None:
    """Each of the person's action plans as PDF and DOCX (generated now, never stored)."""
    plans = db.session.scalars(
        select(ActionPlan)
        .where(ActionPlan.user_id == user.id)
        .options(selectinload(ActionPlan.versions), selectinload(ActionPlan.cohort))
        .order_by(ActionPlan.id)
    ).all()
    if not plans:
        return None
    content = get_content()
    files = []
    for plan in plans:
        version = plan.versions[-1] if plan.status != PlanStatus.DRAFT and plan.versions else None
        sections = presenters.sections_of(plan.data, plan_data.SECTIONS, content)
        for kind in presenters.FORMATS:
            body, _mimetype = presenters.render_export(kind, plan, version, sections)
            files.append((f"actieplan-groep-{plan.cohort_id}.{kind}", body))
    return PersonalFiles(_("Your action plans as PDF and Word document:"), files)

"""The common shape of a state-changing view: call one service, then commit and say so, or
roll back and show the rule that refused it."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from learnpath.cohorts.services import CohortError
from learnpath.extensions import db


def run_action(
    action: Callable[[], object], success: str | None, category: str = "success"
) -> bool:
    """Run ``action``; on a CohortError (or subclass) roll back and flash its message.

    Returns whether it succeeded (and was committed).
    """
    try:
        action()
    except CohortError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    db.session.commit()
    if success:
        flash(success, category)
    return True

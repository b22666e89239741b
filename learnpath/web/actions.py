"""The common shape of a state-changing view: call one service, then commit and say so, or
roll back and show the rule that refused it."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from learnpath.cohorts.services import CohortError
from learnpath.extensions import db


def run_action(
    action: Callable[[], object],
    success: str | None,
    category: str = "success",
    refusals: tuple[type[Exception], ...] = (CohortError,),
) -> bool:
    """Run ``action``; when a rule refuses it (``refusals``: the feature's error types, whose
    messages are safe to show) roll back and flash the message.

    Returns whether it succeeded (and was committed).
    """
    try:
        action()
    except refusals as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    db.session.commit()
    if success:
        flash(success, category)
    return True

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from learnpath.cohorts import filters

bp = Blueprint("cohorts", __name__)


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    filters.init_app(state.app)


@bp.app_context_processor
def _labels() -> dict[str, object]:
    from learnpath.cohorts.forms import (
        ATTENDANCE_LABELS,
        CHANGE_LABELS,
        DROPOUT_LABELS,
        STATUS_LABELS,
    )

    return {
        "status_labels": STATUS_LABELS,
        "attendance_labels": ATTENDANCE_LABELS,
        "dropout_labels": DROPOUT_LABELS,
        "change_labels": CHANGE_LABELS,
    }


from learnpath.cohorts import cli, views  # noqa: E402,F401

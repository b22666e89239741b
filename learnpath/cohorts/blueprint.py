from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from learnpath.cohorts import filters
from learnpath.cohorts.models import DropoutReason, EnrolmentStatus

bp = Blueprint("cohorts", __name__)


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    filters.init_app(state.app)


@bp.app_context_processor
def _labels() -> dict[str, object]:
    # The labels live on the enums; templates of every cohort kind look them up by value.
    return {
        "status_labels": EnrolmentStatus.labels(),
        "dropout_labels": DropoutReason.labels(),
    }


from learnpath.cohorts import cli, copy_views, views  # noqa: E402,F401

from flask import Blueprint

from learnpath.i18n import tx

bp = Blueprint("manager_tracks", __name__, url_prefix="/leidinggevenden")


@bp.app_context_processor
def _labels() -> dict[str, object]:
    from learnpath.manager_tracks.forms import KIND_LABELS, ROLE_LABELS

    return {"track_kind_labels": KIND_LABELS, "intervision_role_labels": ROLE_LABELS}


@bp.context_processor
def _content() -> dict[str, object]:
    return {"tx": tx}


from learnpath.manager_tracks import views  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("schedule", __name__, url_prefix="/cohorten/<id:cohort_id>")


@bp.app_template_global()
def session_links_optional(organisation_id: int) -> bool:
    """For the session form: the organisation has rooms made, so a link of one's own is optional."""
    from learnpath.schedule.services import links_are_optional

    return links_are_optional(organisation_id)


from learnpath.schedule import views  # noqa: E402,F401

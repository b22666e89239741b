from typing import Any

from flask import Blueprint, g
from flask_login import current_user

from learnpath.accounts import networks

bp = Blueprint("networks", __name__)


def _coordinates_a_network() -> bool:
    """Whether the signed-in user coordinates a network (the navigation's link; one query per
    request, asked only when the navigation is drawn)."""
    if not current_user.is_authenticated:
        return False
    if "coordinates_a_network" not in g:
        g.coordinates_a_network = bool(networks.coordinated_networks(current_user))
    return bool(g.coordinates_a_network)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"coordinates_a_network": _coordinates_a_network}


from learnpath.networks import views  # noqa: E402,F401

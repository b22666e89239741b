from flask import Blueprint
from flask.sansio.blueprints import BlueprintSetupState

#: cli_group=None: the commands are top-level, e.g. ``flask calendar-url EMAIL``.
bp = Blueprint("ical", __name__, cli_group=None)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    from learnpath.ical import sessionless

    sessionless.init_app(state.app)  # type: ignore[arg-type]


from learnpath.ical import cli, views  # noqa: E402,F401

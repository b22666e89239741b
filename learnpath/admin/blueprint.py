from flask import Blueprint

# No url_prefix: the admin pages live under /beheer, the development outbox under /dev.
bp = Blueprint("admin", __name__)

from learnpath.admin import dev_outbox, partnership_pages, views  # noqa: E402,F401

from flask import Blueprint

# No url_prefix: the admin pages live under /beheer, the development outbox under /dev.
bp = Blueprint("admin", __name__)

from learnpath.admin import (  # noqa: E402,F401
    cli,
    department_pages,
    dev_outbox,
    import_pages,
    network_pages,
    views,
)

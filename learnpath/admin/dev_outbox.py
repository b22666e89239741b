"""Development only: read the queued messages of the own organisation (there is no mail server on
a first run).

The pages exist only when the ``DEV_OUTBOX`` setting is on (``LEARNPATH_DEV_OUTBOX=1``; off by
default, never in production), and an administrator sees only messages to users of their own
organisation: reset and invitation links of another organisation are never shown.
"""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import Select, and_, or_, select

from learnpath.accounts.models import Role, User
from learnpath.admin.blueprint import bp
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.web.access import roles


def dev_outbox_enabled() -> bool:
    """Whether the development outbox is switched on (and this is not production)."""
    config = current_app.config
    return bool(config.get("DEV_OUTBOX")) and config.get("ENV") != "production"


def _own_organisation_messages() -> Select[OutboxMessage]:
    if not dev_outbox_enabled():
        abort(404)
    own = current_user.organisation_id
    return (
        select(OutboxMessage)
        .outerjoin(User, OutboxMessage.recipient_user_id == User.id)
        .where(
            or_(
                User.organisation_id == own,
                # To an address without an account, sent for the organisation (a sign-up link).
                and_(
                    OutboxMessage.recipient_user_id.is_(None), OutboxMessage.organisation_id == own
                ),
            )
        )
    )


@bp.route("/dev/outbox")
@roles(Role.ADMIN)
def dev_outbox() -> ResponseReturnValue:
    """List the latest queued messages to users of the own organisation."""
    messages = db.session.scalars(
        _own_organisation_messages().order_by(OutboxMessage.id.desc()).limit(100)
    ).all()
    return render_template("admin/dev_outbox.html", messages=messages)


@bp.route("/dev/outbox/<id:message_id>")
@roles(Role.ADMIN)
def dev_outbox_message(message_id: int) -> ResponseReturnValue:
    """Show one queued message to a user of the own organisation, with its text body."""
    message = db.session.scalar(_own_organisation_messages().where(OutboxMessage.id == message_id))
    if message is None:
        abort(404)
    return render_template("admin/dev_outbox_message.html", message=message)

"""Development only: read the queued messages (there is no mail server on a first run)."""

from __future__ import annotations

from enum import StrEnum

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from learnpath.extensions import db
from learnpath.notifications.blueprint import bp
from learnpath.notifications.models import OutboxMessage
from learnpath.web.access import roles


class Reader(StrEnum):
    """Who may read the outbox: the role named ``admin`` (``accounts.Role.ADMIN`` by value, as
    roles are compared by name; notifications imports no feature)."""

    ADMIN = "admin"


@bp.before_request
def _development_only() -> None:
    if current_app.config["ENV"] == "production":
        abort(404)


@bp.route("/outbox")
@roles(Reader.ADMIN)
def outbox() -> ResponseReturnValue:
    """List the latest queued messages."""
    messages = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)
    ).all()
    return render_template("notifications/outbox.html", messages=messages)


@bp.route("/outbox/<int:message_id>")
@roles(Reader.ADMIN)
def outbox_message(message_id: int) -> ResponseReturnValue:
    """Show one queued message with its text body."""
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("notifications/message.html", message=message)

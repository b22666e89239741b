"""The administrator's form for the SCIM token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import AnyOf


class TokenForm(FlaskForm):
    """Make, rotate or revoke the token (the button pressed is ``action``); replacing or
    revoking an existing token must be confirmed."""

    action = HiddenField(validators=[AnyOf(["issue", "revoke"])])
    confirm = BooleanField(_l("I understand that the current token stops working at once."))


def needs_confirmation_message() -> str:
    return str(_l("Tick the box to confirm: the current token stops working at once."))

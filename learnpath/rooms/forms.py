"""The organisation's meeting room settings (admin)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from learnpath.rooms.models import Provider
from learnpath.web.forms import SingleLine, SingleLineField


class RoomSettingsForm(FlaskForm):
    provider = RadioField(
        _l("Meeting rooms"),
        choices=[SelectChoice(p.value, p.label) for p in Provider],
        default=Provider.MANUAL.value,
    )
    jitsi_url = SingleLineField(
        _l("Your own Jitsi server (optional)"), validators=[Optional(), Length(max=500)]
    )
    teams_tenant_id = SingleLineField(
        _l("Tenant ID (directory ID)"), validators=[Optional(), Length(max=100)]
    )
    teams_client_id = SingleLineField(
        _l("Client ID (application ID)"), validators=[Optional(), Length(max=100)]
    )
    teams_client_secret = PasswordField(
        _l("Client secret"), validators=[Optional(), SingleLine(), Length(max=500)]
    )
    teams_organizer = SingleLineField(
        _l("Organiser of the meetings (object ID or user principal name)"),
        validators=[Optional(), Length(max=255)],
    )
    submit = SubmitField(_l("Save meeting room settings"))

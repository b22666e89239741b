"""Forms of live sessions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from learnpath.live.models import AbsenceReason


class AbsenceForm(FlaskForm):
    """ "Ik kan niet komen", with an optional reason category (never free text)."""

    reason = SelectField(
        _l("Reason (optional)"),
        choices=[SelectChoice("", _l("I would rather not say"))]
        + [SelectChoice(reason.value, reason.label) for reason in AbsenceReason],
        default="",
    )

    def chosen_reason(self) -> AbsenceReason | None:
        return AbsenceReason(self.reason.data) if self.reason.data else None

"""Shared form fields and forms.

**One line means one line.** A value that can reach a mail header or a one-line display (a
name, a title, a subject, an address, a link) never holds a line break, NUL or another control
character: every single-line field is a ``SingleLineField`` (or, for the email and URL
fields, carries the ``SingleLine`` validator first), and code that reads such a value from a
form by hand asks ``single_line_error``. A test walks every form class of learnpath to keep
it so. Multi-line fields (``TextAreaField``) keep their line breaks; passwords are never shown
or sent, and are left as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, SelectMultipleField, StringField, SubmitField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

#: What a single line never holds: C0 and C1 control characters except tab (CR, LF and NUL
#: among them), and the Unicode line and paragraph separators (all of which ``str.splitlines``
#: and the email package treat as line ends).
NOT_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")

SINGLE_LINE_MESSAGE = _l("Keep this on one line, without line breaks or control characters.")


def single_line_error(value: object) -> str | None:
    """The message to show when ``value`` is not one line of text; None when it is."""
    if isinstance(value, str) and NOT_ONE_LINE.search(value):
        return str(SINGLE_LINE_MESSAGE)
    return None


class SingleLine:
    """Validator: refuse line breaks, NUL and other control characters (see NOT_ONE_LINE).

    It stops the validation chain, so put it first: a later ``Optional`` would otherwise
    clear its error for a value of only line breaks.
    """

    field_flags: dict[str, Any] = {}

    def __init__(self, message: object = None) -> None:
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        values = [*(field.raw_data or []), field.data]
        if any(single_line_error(value) for value in values):
            raise StopValidation(str(self.message or SINGLE_LINE_MESSAGE))


class SingleLineField(StringField):
    """A one-line text input: a ``StringField`` whose first validator is ``SingleLine``."""

    def __init__(
        self, label: object = None, validators: Sequence[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(label, [SingleLine(), *(validators or ())], **kwargs)


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF only)."""

    submit = SubmitField(_l("Confirm"))

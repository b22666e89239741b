"""The form behind the create / replace / revoke buttons of a feed link."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput


class FeedLinkForm(FlaskForm):
    #: Empty for the personal feed; the cohort's id for a facilitator's cohort feed.
    cohort_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1)])

"""The form behind the create / replace / revoke buttons of a feed link."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, Optional

from learnpath.web.inputs import IdField


class FeedLinkForm(FlaskForm):
    #: Empty for the personal feed; the cohort's id for a facilitator's cohort feed.
    cohort_id = IdField(validators=[Optional()])
    #: "facilitating" for a facilitator's feed of all the cohorts they facilitate.
    scope = HiddenField(validators=[Optional(), AnyOf(["facilitating"])])

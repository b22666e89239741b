"""The form behind the create / replace / revoke buttons of a feed link."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import Optional

from learnpath.web.inputs import IdField


class FeedLinkForm(FlaskForm):
    #: Empty for the personal feed; the cohort's id for a facilitator's cohort feed.
    cohort_id = IdField(validators=[Optional()])

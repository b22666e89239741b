"""Forms for cohorts, invitations and roster actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from learnpath.cohorts.models import DropoutReason, EnrolmentStatus, SignupMode
from learnpath.schedule.models import AttendanceStatus
from learnpath.web.forms import CheckboxesField

DROPOUT_LABELS = {
    DropoutReason.WORKLOAD: _l("Workload or lack of time"),
    DropoutReason.PERSONAL: _l("Personal circumstances"),
    DropoutReason.HEALTH: _l("Health"),
    DropoutReason.NEW_JOB: _l("Found another job"),
    DropoutReason.NOT_A_FIT: _l("Programme does not fit"),
    DropoutReason.OTHER: _l("Other"),
}


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(
        _l("Number of places"),
        default=12,
        validators=[InputRequired(message=_l("Enter a number.")), NumberRange(4, 30)],
    )
    signup_opens_at = DateTimeLocalField(
        _l("Sign-up opens"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Enter a date and time."))],
    )
    signup_closes_at = DateTimeLocalField(
        _l("Sign-up closes"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Enter a date and time."))],
    )
    signup_mode = RadioField(
        _l("Who can sign up"),
        choices=[
            SelectChoice(SignupMode.OPEN.value, _l("Every employee of the chosen organisations")),
            SelectChoice(SignupMode.INVITATION.value, _l("Only people we invite")),
        ],
        default=SignupMode.OPEN.value,
    )
    requires_manager_approval = BooleanField(_l("Sign-up needs the manager's approval"))
    claim_window_hours = IntegerField(
        _l("Hours to confirm a place freed from the waitlist"),
        validators=[Optional(), NumberRange(1, 168)],
    )
    open_to = CheckboxesField(_l("Open to"), coerce=int)
    facilitators = CheckboxesField(_l("Facilitators"), coerce=int)
    submit = SubmitField(_l("Save"))


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Invite"))


class InviteCsvForm(FlaskForm):
    file = FileField(
        _l("CSV file with one email address per row"),
        validators=[
            FileRequired(message=_l("Choose a file.")),
            FileAllowed(["csv", "txt"], _l("Upload a .csv file.")),
        ],
    )
    submit = SubmitField(_l("Upload and invite"))


class RemoveForm(FlaskForm):
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(r.value, label) for r, label in DROPOUT_LABELS.items()],
    )
    submit = SubmitField(_l("Remove"))


class MoveForm(FlaskForm):
    target = SelectField(_l("Move to cohort"), coerce=int)
    submit = SubmitField(_l("Move"))


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF only)."""

    submit = SubmitField(_l("Confirm"))


STATUS_LABELS = {
    EnrolmentStatus.INVITED: _l("Invited"),
    EnrolmentStatus.PENDING_APPROVAL: _l("Waiting for manager approval"),
    EnrolmentStatus.OFFERED: _l("Place offered, to be confirmed"),
    EnrolmentStatus.ENROLLED: _l("Enrolled"),
    EnrolmentStatus.WAITLISTED: _l("On the waitlist"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.DROPPED_OUT: _l("Dropped out"),
}

ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.EXCUSED: _l("Absent (excused)"),
    AttendanceStatus.ABSENT: _l("Absent"),
}

CHANGE_LABELS = {
    "created": _l("Cohort created"),
    "capacity": _l("Capacity changed"),
    "scheduled": _l("Session planned"),
    "rescheduled": _l("Session changed"),
    "session_cancelled": _l("Session cancelled"),
    "cohort_cancelled": _l("Cohort cancelled"),
    "removed": _l("Participant removed"),
    "moved_out": _l("Participant moved to another cohort"),
    "moved_in": _l("Participant moved in from another cohort"),
    "completed": _l("Cohort completed"),
}

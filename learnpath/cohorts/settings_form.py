"""The cohort settings form, for every kind of cohort (public: the manager tracks build their
group form on it): the fields, their choices, and turning the input into ``CohortData``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from learnpath.accounts import networks
from learnpath.accounts.models import Network, User
from learnpath.cohorts import queries
from learnpath.cohorts.models import CohortKind, SignupMode
from learnpath.cohorts.services import OPEN_TO_REFUSED, CohortData, validate_cohort_data
from learnpath.timefmt import to_utc
from learnpath.web.clock import page_now
from learnpath.web.forms import CheckboxesField, SingleLineField


class CohortForm(FlaskForm):
    name = SingleLineField(_l("Name"), validators=[DataRequired(), Length(max=200)])
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
    #: Choices: the own organisation and its active partners; another id is refused with a
    #: message by validate_cohort_data (not WTForms' "not a valid choice").
    open_to = CheckboxesField(_l("Open to"), coerce=int, validate_choice=False)
    facilitators = CheckboxesField(_l("Facilitators"), coerce=int)
    submit = SubmitField(_l("Save"))
    #: The organisation's time zone (set by ``fill_cohort_choices``), for ``window_is_past``.
    zone: ZoneInfo | None = None

    @property
    def window_is_past(self) -> bool:
        """Whether the sign-up window in the form lies entirely in the past (nobody could
        sign up): the form warns, it does not refuse (e.g. an old cohort's settings)."""
        closes = self.signup_closes_at.data
        if self.zone is None or not isinstance(closes, datetime):
            return False
        return closes.replace(tzinfo=self.zone) < page_now()


def fill_cohort_choices(form: CohortForm, user: User) -> None:
    """The own organisation and its active partners may be chosen (no other organisation is
    named); facilitators come from the user's organisation."""
    form.open_to.choices = [
        SelectChoice(o.id, o.name) for o in networks.open_to_choices(user.organisation)
    ]
    facilitators = queries.facilitators_in([user.organisation_id])
    form.facilitators.choices = [SelectChoice(u.id, u.name) for u in facilitators]
    form.zone = ZoneInfo(user.organisation.timezone)


def _local_to_utc(form_field: object, value: datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    utc = to_utc(value.date(), value.time(), zone)
    if utc is None:
        form_field.errors = [_("This time does not exist on that day (clocks change).")]  # type: ignore[attr-defined]
    return utc


def cohort_data_from_form(
    form: CohortForm,
    user: User,
    kind: CohortKind = CohortKind.PROGRAMME,
    network: Network | None = None,
) -> CohortData | None:
    """Turn the form into CohortData (times in the user's organisation's zone); put rule
    violations on the form's fields and return None if there are any. ``network``: a network
    cohort's (learnpath.networks adds the quotas)."""
    zone = ZoneInfo(user.organisation.timezone)
    opens = _local_to_utc(form.signup_opens_at, form.signup_opens_at.data, zone)
    closes = _local_to_utc(form.signup_closes_at, form.signup_closes_at.data, zone)
    if opens is None or closes is None:
        return None
    offered = {choice.value for choice in form.open_to.iter_choices()}
    if not set(form.open_to.data or []) <= offered:  # a crafted post: another organisation
        form.open_to.errors = [str(OPEN_TO_REFUSED)]
        return None
    data = CohortData(
        name=form.name.data or "",
        capacity=form.capacity.data or 0,
        signup_opens_at=opens,
        signup_closes_at=closes,
        signup_mode=SignupMode(form.signup_mode.data),
        requires_manager_approval=bool(form.requires_manager_approval.data),
        claim_window_hours=form.claim_window_hours.data,
        open_to=queries.organisations_with_ids(form.open_to.data or []),
        facilitators=queries.users_with_ids(form.facilitators.data or []),
        kind=kind,
        network=network,
    )
    errors = validate_cohort_data(data, user.organisation)
    for name, message in errors.items():
        getattr(form, name).errors = [message]
    return None if errors else data

"""Forms of the kansenbank."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from learnpath.enums import LabelledEnum
from learnpath.opportunities.models import OpportunityKind, OpportunityStatus, TimeUnit
from learnpath.opportunities.services import (
    MOTIVATION_MAX,
    PLACES_MAX,
    TIME_MAX,
    OfferData,
)
from learnpath.web.forms import SingleLineField

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]
#: The visibility choice for the own organisation only (a network is "network-<id>").
OWN = "own"
LEARNS_MAX = 2000


def _enum_choices(members: Iterable[LabelledEnum]) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.label) for member in members]


class OfferForm(FlaskForm):
    """Offer (or change) an opportunity."""

    kind = SelectField(_l("Kind"), choices=_enum_choices(OpportunityKind))
    title = SingleLineField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    team = SingleLineField(_l("Team"), validators=[InputRequired(), Length(max=200)])
    time_amount = IntegerField(
        _l("Time needed"),
        validators=[
            InputRequired(),
            NumberRange(1, TIME_MAX, message=_l("Give a number from 1 to %(max)s.")),
        ],
        default=1,
    )
    time_unit = SelectField(
        _l("Unit"), choices=_enum_choices(TimeUnit), default=TimeUnit.HOURS.value
    )
    starts_on = DateField(
        _l("First day (empty: to be agreed)"), format=DATE_FORMATS, validators=[Optional()]
    )
    ends_on = DateField(
        _l("Last day (empty: to be agreed)"), format=DATE_FORMATS, validators=[Optional()]
    )
    learns = TextAreaField(
        _l("What one learns"),
        validators=[InputRequired(), Length(max=LEARNS_MAX)],
        render_kw={"data-max-length": LEARNS_MAX},
    )
    competency = SelectField(_l("Competency or theme"), choices=[])
    visibility = SelectField(_l("Visible to"), choices=[])
    status = SelectField(
        _l("Status"),
        choices=_enum_choices(OpportunityStatus),
        default=OpportunityStatus.OPEN.value,
    )
    places = IntegerField(
        _l("Places (how many people it can take)"),
        validators=[
            InputRequired(),
            NumberRange(1, PLACES_MAX, message=_l("Give a number from 1 to %(max)s.")),
        ],
        default=1,
    )

    def set_choices(
        self, competencies: Iterable[tuple[str, str]], networks: Iterable[tuple[int, str]]
    ) -> None:
        self.competency.choices = [SelectChoice(slug, name) for slug, name in competencies]
        self.visibility.choices = [
            SelectChoice(OWN, _l("My own organisation")),
            *(
                SelectChoice(f"network-{nid}", _l("The network %(name)s", name=name))
                for nid, name in networks
            ),
        ]

    def network_id(self) -> int | None:
        value = self.visibility.data or OWN
        return None if value == OWN else int(value.removeprefix("network-"))

    def data_object(self) -> OfferData:
        return OfferData(
            kind=OpportunityKind(self.kind.data),
            title=self.title.data or "",
            team=self.team.data or "",
            time_amount=int(self.time_amount.data or 0),
            time_unit=TimeUnit(self.time_unit.data),
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            learns=self.learns.data or "",
            competency=self.competency.data or "",
            network_id=self.network_id(),
            status=OpportunityStatus(self.status.data),
            places=int(self.places.data or 0),
        )


class RespondForm(FlaskForm):
    """A participant's response: a short motivation, sent to the offerer only."""

    motivation = TextAreaField(
        _l("Your motivation (the offerer sees only this, with your name and organisation)"),
        validators=[
            InputRequired(message=_l("Write a short motivation.")),
            Length(max=MOTIVATION_MAX, message=_l("Keep it to %(max)d characters.")),
        ],
        render_kw={"data-max-length": MOTIVATION_MAX},
    )


class ShowInPlanForm(FlaskForm):
    """ "Toon in mijn gedeelde plan" for an accepted opportunity."""

    show = BooleanField(_l("Show in my shared plan"))


class FilterForm(FlaskForm):
    """The filters of /kansenbank (GET, no CSRF)."""

    class Meta:
        csrf = False

    competency = SelectField(_l("Competency or theme"), choices=[], validate_choice=False)
    organisation = SelectField(_l("Organisation"), choices=[], validate_choice=False)
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", _l("All kinds")), *_enum_choices(OpportunityKind)],
        validate_choice=False,
    )
    duration = SelectField(
        _l("Duration"),
        choices=[
            SelectChoice("", _l("Any duration")),
            SelectChoice("hours", _l("A few hours")),
            SelectChoice("days", _l("One or more days")),
            SelectChoice("agreed", _l("Dates to be agreed")),
        ],
        validate_choice=False,
    )

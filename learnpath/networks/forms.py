"""The network cohort form: the cohort settings form (cohorts.settings_form) with a seat quota
per member organisation and the moment the quotas are released."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from learnpath.accounts.models import Network, Organisation, User
from learnpath.cohorts.services import CohortData
from learnpath.cohorts.settings_form import CohortForm, cohort_data_from_form, fill_cohort_choices
from learnpath.timefmt import to_utc


class NetworkCohortForm(CohortForm):
    quota_release_at = DateTimeLocalField(
        _l("Quotas end at"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    #: (organisation, its quota field), set by ``network_cohort_form``.
    quota_fields: list[tuple[Organisation, Any]]


def network_cohort_form(members: Sequence[Organisation], **kwargs: Any) -> NetworkCohortForm:
    """The form with one quota field ``quota_<organisation id>`` per active member."""

    class Form(NetworkCohortForm):
        pass

    for organisation in members:
        setattr(
            Form,
            f"quota_{organisation.id}",
            IntegerField(
                organisation.name,
                validators=[Optional()],
                render_kw={"inputmode": "numeric"},
            ),
        )
    form = Form(**kwargs)
    form.quota_fields = [(o, form[f"quota_{o.id}"]) for o in members]
    return form


def fill_network_choices(
    form: NetworkCohortForm,
    user: User,
    members: Sequence[Organisation],
    facilitators: Sequence[User] = (),
) -> None:
    """Open to: the network's active members; facilitators: those of the coordinator's
    organisation and the cohort's current ones (a coordinator need not be a facilitator)."""
    fill_cohort_choices(form, user)
    form.open_to.choices = [SelectChoice(o.id, o.name) for o in members]
    known = {c.value for c in form.facilitators.iter_choices()}
    form.facilitators.choices = [
        *form.facilitators.choices,
        *(SelectChoice(u.id, u.name) for u in facilitators if u.id not in known),
    ]


def network_cohort_data(form: NetworkCohortForm, user: User, network: Network) -> CohortData | None:
    """The form as CohortData of a network cohort; None (errors on the form) if the cohort
    settings or the release moment are wrong. The quotas are checked by the service."""
    data = cohort_data_from_form(form, user, network=network)
    if data is None:
        return None
    release = form.quota_release_at.data
    if release is not None:
        data.quota_release_at = to_utc(
            release.date(), release.time(), ZoneInfo(user.organisation.timezone)
        )
        if data.quota_release_at is None:
            form.quota_release_at.errors = [
                _("This time does not exist on that day (clocks change).")
            ]
            return None
    data.quotas = {o.id: f.data for o, f in form.quota_fields if f.data is not None}
    return data

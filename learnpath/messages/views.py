"""Write a message to a cohort or group: compose, preview, send (facilitators)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from learnpath.accounts.models import Role
from learnpath.cohorts.access import get_facilitated_cohort
from learnpath.cohorts.models import EnrolmentStatus
from learnpath.messages import services
from learnpath.messages.blueprint import bp
from learnpath.messages.forms import MessageForm
from learnpath.messages.models import Audience, BodyFormat
from learnpath.messages.render import render_body
from learnpath.web.access import roles
from learnpath.web.actions import show_on_form, unit_of_work


def _draft(form: MessageForm) -> services.Draft:
    audience = Audience(form.audience.data)
    return services.Draft(
        audience=audience,
        subject=(form.subject.data or "").strip(),
        body=form.body.data or "",
        body_format=BodyFormat(form.body_format.data),
        selected=tuple(form.people.data or ()) if audience == Audience.SELECTED else (),
    )


@bp.route("/cohorten/<id:cohort_id>/berichten/nieuw", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def compose(cohort_id: int) -> ResponseReturnValue:
    """Write a message, see it as it will arrive, then send it (once, whatever is resubmitted)."""
    cohort = get_facilitated_cohort(cohort_id)
    form = MessageForm()
    people = services.selectable(cohort)
    form.people.choices = [
        SelectChoice(
            e.user_id,
            f"{e.user.name} ({_('waitlist') if e.status == EnrolmentStatus.WAITLISTED else _('in the group')})",
        )
        for e in people
    ]
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
        form.audience.data = Audience.COHORT.value
    elif not form.validate_on_submit():
        if form.token.errors:
            # A form without a valid token (an old page): a fresh one, checked again by the user.
            form.token.data = uuid.uuid4().hex
            flash(_("Check the message and send it again."), "warning")
    elif form.send.data:
        draft = _draft(form)
        with unit_of_work() as work:
            message = services.send(cohort, current_user, draft, form.token.data or "")
        if work.ok:
            if message is None:
                flash(_("This message was already sent; it was not sent again."), "info")
            else:
                flash(_("Message sent to %(n)s people.", n=message.recipient_count), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#berichten")
        show_on_form(form, work, field="audience")
    elif form.preview.data:
        draft = _draft(form)
        recipients = services.recipients(cohort, draft.audience, draft.selected)
        if recipients:
            return render_template(
                "messages/preview.html",
                cohort=cohort,
                form=form,
                draft=draft,
                recipients=recipients,
                body_html=render_body(draft.body, draft.body_format),
            )
        form.audience.errors = [_("Nobody is in this group.")]
    return render_template("messages/compose.html", cohort=cohort, form=form)

"""Privacy pages: download your own data; admins export, erase and read the audit log."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from learnpath.accounts import directory
from learnpath.accounts.models import Role, User
from learnpath.extensions import db
from learnpath.privacy import requests, retention, services
from learnpath.privacy.blueprint import bp
from learnpath.privacy.forms import EraseForm, RetentionForm
from learnpath.privacy.models import AuditAction, AuditEvent
from learnpath.web.access import roles, signed_in
from learnpath.web.actions import commit, run_form_action

AUDIT_LIMIT = 500


def _download(user: User) -> Response:
    return Response(
        services.export_json(user),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="learnpath-gegevens-{user.id}.json"'
        },
    )


@bp.route("/mijn-gegevens.json")
@signed_in
def my_data() -> ResponseReturnValue:
    """Download everything the platform holds about the signed-in user."""
    return _download(current_user)


def _own_org_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.organisation_id != current_user.organisation_id:
        abort(404)
    return user


@bp.route("/gebruikers")
@roles(Role.ADMIN)
def users() -> ResponseReturnValue:
    """The organisation's users, searched and paged, with links to export or erase their data."""
    query = directory.query_from(request.args)
    departments = [(d.id, d.name) for d in current_user.organisation.departments]
    page = directory.search(
        current_user.organisation_id, query.wanted, query.position, departments=departments
    )
    return render_template(
        "privacy/users.html",
        page=page,
        query=query,
        departments=departments,
        role_labels={role: str(label) for role, label in directory.ROLE_LABELS.items()},
        status_labels={key: str(label) for key, label in directory.STATUS_LABELS.items()},
        requests=requests.open_requests(current_user.organisation_id),
    )


@bp.route("/gebruikers/<id:user_id>/export.json")
@roles(Role.ADMIN)
def export_user(user_id: int) -> ResponseReturnValue:
    """Download everything about a user of the own organisation (recorded in the audit log)."""
    user = _own_org_user(user_id)
    services.record_access(current_user, user, AuditAction.PRIVACY_EXPORT)
    commit()
    return _download(user)


@bp.route("/gebruikers/<id:user_id>/wissen", methods=["GET", "POST"])
@roles(Role.ADMIN)
def erase_user(user_id: int) -> ResponseReturnValue:
    """Confirm and carry out the erasure of a user's personal data."""
    user = _own_org_user(user_id)
    form = EraseForm()

    def erase() -> None:
        services.erase(user, current_user)
        requests.mark_done(user, current_user)

    if form.validate_on_submit():
        if (form.confirm_email.data or "").strip().lower() != user.email:
            form.confirm_email.errors = [_("This is not the e-mail address of this person.")]
        elif run_form_action(
            form, erase, _("The personal data has been erased."), field="confirm_email"
        ):
            return redirect(url_for("privacy.users"))
    status = 400 if form.errors else 200
    return render_template("privacy/erase.html", user=user, form=form), status


@bp.route("/auditlog")
@roles(Role.ADMIN)
def audit_log() -> ResponseReturnValue:
    """Show who read or exported whose personal data, latest first."""
    actor, subject = aliased(User), aliased(User)
    rows = db.session.execute(
        select(AuditEvent, actor.name, subject.name)
        .join(actor, actor.id == AuditEvent.actor_id)
        .join(subject, subject.id == AuditEvent.subject_user_id)
        .where(subject.organisation_id == current_user.organisation_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_LIMIT)
    ).all()
    return render_template(
        "privacy/audit_log.html", rows=rows, limit=AUDIT_LIMIT, labels=AuditAction.labels()
    )


@bp.route("/bewaartermijn", methods=["GET", "POST"])
@roles(Role.ADMIN)
def retention_setting() -> ResponseReturnValue:
    """Set how long the organisation keeps finished trajectories; show what the job did."""
    org = current_user.organisation
    form = RetentionForm(months=org.retention_months)
    if form.validate_on_submit():
        retention.set_retention(org, form.months.data)
        commit()
        if form.months.data:
            flash(
                _(
                    "Finished trajectories are now cleared after %(n)d months.",
                    n=form.months.data,
                ),
                "success",
            )
        else:
            flash(_("Finished trajectories are now kept until erasure is requested."), "success")
        return redirect(url_for("privacy.retention_setting"))
    status = 400 if form.errors else 200
    return render_template(
        "privacy/retention.html", form=form, runs=retention.recent_runs(org)
    ), status

"""Administrators find, invite and edit the users of their own organisation: name, address,
department, manager, roles; deactivate and reactivate them (rules in admin.services)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from learnpath.accounts import directory, mfa
from learnpath.accounts import services as accounts
from learnpath.accounts.models import Department, Role, User
from learnpath.admin import departments as department_rules
from learnpath.admin import services
from learnpath.admin.blueprint import bp
from learnpath.admin.forms import (
    ROLE_LABELS,
    STATUS_LABELS,
    InviteUserForm,
    UserDetailsForm,
    UserRolesForm,
)
from learnpath.extensions import db
from learnpath.notifications.delivery import retry_failed
from learnpath.notifications.models import OutboxMessage, OutboxStatus
from learnpath.web.access import roles
from learnpath.web.actions import commit, run_action, run_form_action, show_on_form, unit_of_work
from learnpath.web.forms import ConfirmForm
from learnpath.web.inputs import parse_id
from learnpath.web.spreadsheet import csv_response


def _fill_choices(form: InviteUserForm | UserDetailsForm) -> None:
    """The department and manager choices of the own organisation (two small queries)."""
    org_id = current_user.organisation_id
    form.department.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(d.id, d.name) for d in services.departments_of(org_id)
    ]
    form.manager.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(user_id, name) for user_id, name in services.managers_of(org_id)
    ]


def _keep_current_manager(form: UserDetailsForm, user: User) -> None:
    """A manager set elsewhere (provisioning, an older rule) stays a valid choice for the user
    until someone changes it, even without the manager role or when deactivated."""
    manager = user.manager
    choices = form.manager.choices
    if (
        manager is not None
        and isinstance(choices, list)
        and all(c.value != manager.id for c in choices if isinstance(c, SelectChoice))
    ):
        choices.append(SelectChoice(manager.id, manager.name))


def _chosen(form: InviteUserForm | UserDetailsForm) -> tuple[Department | None, User | None]:
    """The department and manager picked on the form, of the own organisation only."""
    org_id = current_user.organisation_id
    department = (
        department_rules.of_organisation(org_id, form.department.data)
        if form.department.data
        else None
    )
    manager = services.users_by_id(org_id, [form.manager.data or 0]).get(form.manager.data or 0)
    return department, manager


def _own_org_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.organisation_id != current_user.organisation_id:
        abort(404)
    return user


def _list_page() -> ResponseReturnValue:
    query = directory.query_from(request.args)
    org_id = current_user.organisation_id
    departments = [(d.id, d.name) for d in services.departments_of(org_id)]
    page = directory.search(org_id, query.wanted, query.position, departments=departments)
    return render_template(
        "admin/users.html",
        page=page,
        query=query,
        # Plain strings, translated once per page rather than once per row.
        role_labels={role: str(label) for role, label in ROLE_LABELS.items()},
        status_labels={key: str(label) for key, label in STATUS_LABELS.items()},
        status_of=directory.status_of,
        departments=departments,
    )


@bp.route("/beheer/gebruikers", methods=["GET", "POST"])
@roles(Role.ADMIN)
def users() -> ResponseReturnValue:
    """The organisation's users, searched and paged; POST: invite a new one (the form is on
    the invitation page, which comes back with the input kept when something is wrong)."""
    if request.method == "GET":
        return _list_page()
    form = InviteUserForm()
    _fill_choices(form)
    if form.validate_on_submit():
        department, manager = _chosen(form)
        data = accounts.NewUser(
            email=form.email.data or "",
            name=form.name.data or "",
            roles=frozenset(Role(r) for r in form.roles.data or []),
            department=department,
            manager=manager,
            locale=form.locale.data or "nl",
        )
        with unit_of_work() as work:
            user = services.invite(current_user, data)
        if work.ok:
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
        show_on_form(form, work, field="email")
    return render_template("admin/invite_user.html", form=form)


@bp.route("/beheer/gebruikers/uitnodigen")
@roles(Role.ADMIN)
def invite_user() -> ResponseReturnValue:
    """The invitation form (it posts to the user list)."""
    form = InviteUserForm(formdata=None)
    _fill_choices(form)
    return render_template("admin/invite_user.html", form=form)


@bp.route("/beheer/gebruikers/export.csv")
@roles(Role.ADMIN)
def export_users() -> ResponseReturnValue:
    """The users of the search as CSV, in the columns the import reads (formula cells escaped)."""
    query = directory.query_from(request.args)
    people = (
        db.session.scalars(
            directory.matching(current_user.organisation_id, query.wanted).options(
                selectinload(User.manager)
            )
        )
        .unique()
        .all()
    )
    rows: list[list[object]] = [
        [_("name"), _("email"), _("department"), _("manager"), _("roles"), _("status")]
    ]
    for u in people:
        rows.append(
            [
                u.name,
                u.email,
                u.department.name if u.department else "",
                u.manager.email if u.manager else "",
                ";".join(sorted(r.value for r in u.roles)),
                STATUS_LABELS[directory.status_of(u).value],
            ]
        )
    return csv_response(rows, "gebruikers.csv")


def _edit_page(
    user: User,
    roles_form: UserRolesForm | None = None,
    details_form: UserDetailsForm | None = None,
) -> ResponseReturnValue:
    if details_form is None:
        details_form = UserDetailsForm(
            formdata=None,
            name=user.name,
            email=user.email,
            department=user.department_id or 0,
            manager=user.manager_id or 0,
        )
        _fill_choices(details_form)
        _keep_current_manager(details_form, user)
    if roles_form is None:
        roles_form = UserRolesForm(formdata=None, roles=[role.value for role in user.roles])
    status = 400 if (roles_form.errors or details_form.errors) else 200
    return render_template(
        "admin/edit_user.html",
        user=user,
        form=roles_form,
        details=details_form,
        status=directory.status_of(user),
        status_labels=STATUS_LABELS,
        confirm=ConfirmForm(),
        has_authenticator=mfa.has_authenticator(user),
        needs_authenticator=mfa.required_for(user),
    ), status


@bp.route("/beheer/gebruikers/<id:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_user(user_id: int) -> ResponseReturnValue:
    """A user of the own organisation: details, roles, status; POST sets the roles."""
    user = _own_org_user(user_id)
    if request.method == "GET":
        return _edit_page(user)
    form = UserRolesForm()
    if form.validate_on_submit():
        wanted = {Role(r) for r in form.roles.data or []}
        if run_form_action(
            form,
            lambda: services.change_roles(current_user, user, wanted),
            _("Roles of %(name)s saved.", name=user.name),
            field="roles",
        ):
            return redirect(url_for("admin.users"))
    return _edit_page(user, roles_form=form)


@bp.route("/beheer/gebruikers/<id:user_id>/gegevens", methods=["POST"])
@roles(Role.ADMIN)
def edit_user_details(user_id: int) -> ResponseReturnValue:
    """Change name, email address, department and manager of a user of the own organisation."""
    user = _own_org_user(user_id)
    form = UserDetailsForm()
    _fill_choices(form)
    _keep_current_manager(form, user)
    if form.validate_on_submit():
        department, manager = _chosen(form)
        details = services.UserDetails(
            name=form.name.data or "",
            email=form.email.data or "",
            department=department,
            manager=manager,
        )
        if run_form_action(
            form,
            lambda: services.update_details(current_user, user, details),
            _("Details of %(name)s saved.", name=form.name.data),
            field="name",
        ):
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return _edit_page(user, details_form=form)


@bp.route("/beheer/gebruikers/<id:user_id>/uitnodiging", methods=["POST"])
@roles(Role.ADMIN)
def resend_invitation(user_id: int) -> ResponseReturnValue:
    """Send a fresh invitation link to a user who has not chosen a password yet."""
    user = _own_org_user(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        sent = services.resend_invitation(current_user, user)
    if work.ok and sent:
        flash(_("Invitation sent to %(email)s.", email=user.email), "success")
    elif work.ok:
        flash(_("%(name)s has already activated the account.", name=user.name), "info")
    else:
        flash(work.message, "error")
    return redirect(url_for("admin.users"))


@bp.route("/beheer/gebruikers/<id:user_id>/deactiveren", methods=["GET", "POST"])
@roles(Role.ADMIN)
def deactivate_user(user_id: int) -> ResponseReturnValue:
    """Confirm, then deactivate: signed out everywhere, no sign-in, off waitlists and offers."""
    user = _own_org_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        # Done or refused (the message says which), the person's page shows the state.
        run_action(
            lambda: services.deactivate(current_user, user),
            _("%(name)s has been deactivated.", name=user.name),
        )
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/deactivate_user.html", user=user, form=form)


@bp.route("/beheer/gebruikers/<id:user_id>/tweestapsverificatie", methods=["GET", "POST"])
@roles(Role.ADMIN)
def reset_mfa(user_id: int) -> ResponseReturnValue:
    """Confirm, then remove the user's authenticator: they set up a new one at the next sign-in."""
    user = _own_org_user(user_id)
    if user.id == current_user.id or not mfa.has_authenticator(user):
        return redirect(url_for("admin.edit_user", user_id=user.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.reset_mfa(current_user, user),
            _(
                "The authenticator of %(name)s has been removed; they set up a new one at "
                "their next sign-in.",
                name=user.name,
            ),
        )
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/reset_mfa.html", user=user, form=form)


@bp.route("/beheer/gebruikers/<id:user_id>/heractiveren", methods=["POST"])
@roles(Role.ADMIN)
def reactivate_user(user_id: int) -> ResponseReturnValue:
    """Let a deactivated user sign in again (old sessions stay ended)."""
    user = _own_org_user(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    run_action(
        lambda: services.reactivate(current_user, user),
        _("%(name)s can sign in again.", name=user.name),
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/beheer/berichten", methods=["GET", "POST"])
@roles(Role.ADMIN)
def failed_messages() -> ResponseReturnValue:
    """Messages that could not be delivered, with the error; queue them again."""
    form = ConfirmForm()
    if form.validate_on_submit():
        # Only messages this page shows: never another organisation's.
        here = set(db.session.scalars(_failed_here(OutboxMessage.id)))
        chosen = request.form.getlist("message_id", type=parse_id)
        count = retry_failed(here.intersection(chosen) if chosen else here)
        commit()
        flash(_("%(n)s messages queued again.", n=count), "success")
        return redirect(url_for("admin.failed_messages"))
    failed = db.session.scalars(
        _failed_here(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
    ).all()
    return render_template("admin/failed_messages.html", messages=failed, form=form)


def _failed_here(what: Any) -> Select[Any]:
    """Failed messages of the own organisation: to its people, and on their behalf to addresses
    without an account (never another organisation's)."""
    return select(what).where(
        OutboxMessage.status == OutboxStatus.FAILED,
        OutboxMessage.organisation_id == current_user.organisation_id,
    )

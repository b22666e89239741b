"""Administrators invite users of their own organisation and set their roles."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from learnpath.accounts import services
from learnpath.accounts.models import Department, Role, User
from learnpath.admin.blueprint import bp
from learnpath.admin.forms import ROLE_LABELS, InviteUserForm, UserRolesForm
from learnpath.extensions import db
from learnpath.notifications.delivery import retry_failed
from learnpath.notifications.models import OutboxMessage, OutboxStatus
from learnpath.web.access import roles
from learnpath.web.actions import commit, show_on_form, unit_of_work
from learnpath.web.forms import ConfirmForm
from learnpath.web.inputs import parse_id


def _org_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == current_user.organisation_id)
            .options(selectinload(User.department), selectinload(User.role_rows))
            .order_by(User.name)
        )
    )


def _fill_choices(form: InviteUserForm, users: list[User]) -> None:
    departments = db.session.scalars(
        select(Department)
        .where(Department.organisation_id == current_user.organisation_id)
        .order_by(Department.name)
    )
    form.department.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(d.id, d.name) for d in departments
    ]
    managers = [u for u in users if Role.MANAGER in u.roles]
    form.manager.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(u.id, u.name) for u in managers
    ]


def _own_org_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.organisation_id != current_user.organisation_id:
        abort(404)
    return user


@bp.route("/beheer/gebruikers", methods=["GET", "POST"])
@roles(Role.ADMIN)
def users() -> ResponseReturnValue:
    """List the organisation's users and invite a new one."""
    users = _org_users()
    form = InviteUserForm()
    _fill_choices(form, users)
    if form.validate_on_submit():
        department = (
            db.session.get(Department, form.department.data) if form.department.data else None
        )
        manager = db.session.get(User, form.manager.data) if form.manager.data else None
        data = services.NewUser(
            email=form.email.data or "",
            name=form.name.data or "",
            roles=frozenset(Role(r) for r in form.roles.data or []),
            department=department,
            manager=manager,
            locale=form.locale.data or "nl",
        )
        with unit_of_work() as work:
            user = services.create_user(current_user.organisation, data, invite=True)
        if work.ok:
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
        show_on_form(form, work, field="email")
    return render_template("admin/users.html", users=users, form=form, role_labels=ROLE_LABELS)


@bp.route("/beheer/gebruikers/<id:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_user(user_id: int) -> ResponseReturnValue:
    """Set the roles of a user of the own organisation."""
    user = _own_org_user(user_id)
    form = UserRolesForm(roles=[role.value for role in user.roles])
    if form.validate_on_submit():
        wanted = {Role(r) for r in form.roles.data or []}
        if user.id == current_user.id and Role.ADMIN not in wanted:
            form.roles.errors = [_("You cannot take away your own administrator role.")]
        else:
            services.set_roles(user, wanted)
            commit()
            flash(_("Roles of %(name)s saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/edit_user.html", user=user, form=form)


@bp.route("/beheer/gebruikers/<id:user_id>/uitnodiging", methods=["POST"])
@roles(Role.ADMIN)
def resend_invitation(user_id: int) -> ResponseReturnValue:
    """Send a fresh invitation link to a user who has not chosen a password yet."""
    user = _own_org_user(user_id)
    if user.password_hash is not None:
        flash(_("%(name)s has already activated the account.", name=user.name), "info")
    else:
        services.send_invitation(user)
        commit()
        flash(_("Invitation sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.users"))


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

"""Administrators manage the organisation's departments: create, rename, merge and delete."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from learnpath.accounts.models import Department, Role
from learnpath.admin import departments
from learnpath.admin.blueprint import bp
from learnpath.admin.forms import DepartmentForm, DepartmentRemoveForm
from learnpath.web.access import roles
from learnpath.web.actions import run_form_action


def _own_department(department_id: int) -> Department:
    department = departments.of_organisation(current_user.organisation_id, department_id)
    if department is None:
        abort(404)
    return department


@bp.route("/beheer/afdelingen", methods=["GET", "POST"])
@roles(Role.ADMIN)
def departments_page() -> ResponseReturnValue:
    """The departments with their number of people; add one."""
    form = DepartmentForm()
    if form.validate_on_submit():
        name = form.name.data or ""
        if run_form_action(
            form,
            lambda: departments.create(current_user.organisation, name),
            _("Department %(name)s added.", name=" ".join(name.split())),
            field="name",
        ):
            return redirect(url_for("admin.departments_page"))
    return render_template(
        "admin/departments.html",
        rows=departments.with_counts(current_user.organisation_id),
        form=form,
    ), 400 if form.errors else 200


@bp.route("/beheer/afdelingen/<id:department_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def rename_department(department_id: int) -> ResponseReturnValue:
    """Rename a department (its people stay in it)."""
    department = _own_department(department_id)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        name = form.name.data or ""
        if run_form_action(
            form,
            lambda: departments.rename(department, name),
            _("Department renamed to %(name)s.", name=" ".join(name.split())),
            field="name",
        ):
            return redirect(url_for("admin.departments_page"))
    return render_template(
        "admin/department_rename.html", department=department, form=form
    ), 400 if form.errors else 200


@bp.route("/beheer/afdelingen/<id:department_id>/verwijderen", methods=["GET", "POST"])
@roles(Role.ADMIN)
def remove_department(department_id: int) -> ResponseReturnValue:
    """Confirm, then delete a department; its people move to the one chosen (a merge) or none."""
    department = _own_department(department_id)
    form = DepartmentRemoveForm()
    others = [
        row.department
        for row in departments.with_counts(current_user.organisation_id)
        if row.department.id != department.id
    ]
    form.into.choices = [SelectChoice(0, _("— no department —"))] + [
        SelectChoice(d.id, _("Merge into %(name)s", name=d.name)) for d in others
    ]
    people = departments.people_in(department)
    if form.validate_on_submit():
        into = (
            departments.of_organisation(current_user.organisation_id, form.into.data)
            if form.into.data
            else None
        )
        name = department.name
        if run_form_action(
            form,
            lambda: departments.remove(department, into),
            _("Department %(name)s deleted.", name=name),
            field="into",
        ):
            return redirect(url_for("admin.departments_page"))
    return render_template(
        "admin/department_remove.html", department=department, form=form, people=people
    ), 400 if form.errors else 200

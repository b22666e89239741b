"""Administrators import users from a CSV or XLSX file: check it first (a preview of every
row), then import; the report says per row what happened (rules in admin.importing)."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer

from learnpath.accounts.models import Role
from learnpath.admin import importing
from learnpath.admin.blueprint import bp
from learnpath.admin.forms import ImportConfirmForm, ImportUploadForm
from learnpath.web.access import roles
from learnpath.web.actions import unit_of_work

#: Rows shown in the report; the counts always cover all of them.
SHOWN_ROWS = 1000


def _report_page(
    upload: ImportUploadForm,
    report: importing.ImportReport | None = None,
    confirm: ImportConfirmForm | None = None,
    status: int = 200,
    invite: bool = False,
) -> ResponseReturnValue:
    return render_template(
        "admin/import_users.html",
        form=upload,
        report=report,
        confirm=confirm,
        outcomes=importing.Outcome,
        shown=SHOWN_ROWS,
        invite=invite,
    ), status


def _serializer() -> URLSafeSerializer:
    """Signs (and compresses) the checked rows the preview page sends back: only this
    administrator's own checked file can be imported with it, and a file of thousands of rows
    stays well under the request's form size limit."""
    return URLSafeSerializer(
        current_app.config["SECRET_KEY"], salt=f"user-import-{current_user.id}"
    )


def _packed(table: list[list[str]], invite: bool) -> str:
    return _serializer().dumps({"rows": table, "invite": invite})


def _unpacked(data: str) -> tuple[list[list[str]], bool] | None:
    """The rows and the invitation choice sent back by the preview page; None when they are
    not what this administrator's preview sent."""
    try:
        payload: Any = _serializer().loads(data)
    except BadData:
        return None
    table = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(table, list) or not all(
        isinstance(row, list) and all(isinstance(c, str) for c in row) for row in table
    ):
        return None
    return table, bool(payload.get("invite"))


@bp.route("/beheer/gebruikers/importeren", methods=["GET", "POST"])
@roles(Role.ADMIN)
def import_users() -> ResponseReturnValue:
    """Upload a file and see what importing it would do (nothing is saved yet)."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _report_page(form, status=400 if form.errors else 200)
    upload = form.file.data
    with unit_of_work() as work:  # the preview rolls itself back; nothing to commit
        table = importing.read_table(upload.filename or "", upload.read())
        report = importing.run(current_user, table, apply=False, invite=bool(form.invite.data))
    if not work.ok:
        form.file.errors = [work.message]
        return _report_page(form, status=400)
    confirm = ImportConfirmForm(formdata=None, rows=_packed(table, bool(form.invite.data)))
    return _report_page(form, report=report, confirm=confirm, invite=bool(form.invite.data))


@bp.route("/beheer/gebruikers/importeren/uitvoeren", methods=["POST"])
@roles(Role.ADMIN)
def import_users_apply() -> ResponseReturnValue:
    """Carry out the import that was checked; report per row what happened."""
    form = ImportConfirmForm()
    upload = ImportUploadForm(formdata=None)
    checked = _unpacked(form.rows.data or "") if form.validate_on_submit() else None
    if checked is None:
        upload.file.errors = [_("The checked file was not received. Upload it again.")]
        return _report_page(upload, status=400)
    table, invite = checked
    with unit_of_work() as work:
        report = importing.run(current_user, table, apply=True, invite=invite)
    if not work.ok:
        upload.file.errors = [work.message]
        return _report_page(upload, status=400)
    return _report_page(upload, report=report)

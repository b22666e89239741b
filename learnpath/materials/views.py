"""The materials of one session: the facilitator adds and removes, participants read and download."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.materials import services
from learnpath.materials.access import get_managed_material, get_session_for_materials
from learnpath.materials.blueprint import bp
from learnpath.materials.forms import FileMaterialForm, LinkMaterialForm
from learnpath.materials.models import MaterialKind, SessionMaterial, Visibility
from learnpath.rooms import queries as rooms
from learnpath.web.access import roles
from learnpath.web.actions import run_action, run_form_action
from learnpath.web.clock import page_now
from learnpath.web.forms import ConfirmForm


@bp.route("/sessies/<id:session_id>/materialen", methods=["GET", "POST"])
@roles(Role.PARTICIPANT, Role.FACILITATOR)
def session_materials(session_id: int) -> ResponseReturnValue:
    """The session's materials; for its facilitators also the forms to add files and links."""
    seen = get_session_for_materials(session_id)
    session = seen.session
    now = page_now()
    if not seen.manages:
        if request.method == "POST":
            abort(403)
        return render_template(
            "materials/session.html",
            session=session,
            materials=services.visible_materials(session, now),
            manages=False,
        )
    file_form = FileMaterialForm(prefix="file")
    link_form = LinkMaterialForm(prefix="link")
    here = url_for("materials.session_materials", session_id=session.id)
    if file_form.submit.data and file_form.validate_on_submit():
        upload = file_form.file.data
        data = upload.read(services.MAX_BYTES + 1)
        if run_form_action(
            file_form,
            lambda: services.add_file(
                session,
                current_user,
                file_form.title.data or "",
                services.Upload(upload.filename or "", data),
                Visibility(file_form.visibility.data),
            ),
            _("The file has been added."),
            field="file",
        ):
            return redirect(here)
    elif (
        link_form.submit.data
        and link_form.validate_on_submit()
        and run_form_action(
            link_form,
            lambda: services.add_link(
                session,
                current_user,
                link_form.title.data or "",
                link_form.url.data or "",
                Visibility(link_form.visibility.data),
            ),
            _("The link has been added."),
            field="url",
        )
    ):
        return redirect(here)
    return render_template(
        "materials/session.html",
        session=session,
        materials=services.materials_of(session),
        manages=True,
        file_form=file_form,
        link_form=link_form,
        max_mb=services.MAX_BYTES // (1024 * 1024),
        accepted=services.filetypes.ACCEPTED,
        available_from=services.available_from,
        room=rooms.room_of(session.id),
    )


@bp.route("/materialen/<id:material_id>/verwijderen", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def remove_material(material_id: int) -> ResponseReturnValue:
    """Ask for confirmation, then remove a material (and its file)."""
    material = get_managed_material(material_id)
    session_id = material.session_id
    form = ConfirmForm()
    if form.validate_on_submit():
        run_action(lambda: services.remove(material), _("The material has been removed."), "info")
        return redirect(url_for("materials.session_materials", session_id=session_id))
    return render_template("materials/remove.html", material=material, form=form)


def _download_name(material: SessionMaterial) -> str:
    name = material.filename or "materiaal"
    return f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"


@bp.route("/materialen/<id:material_id>/bestand")
@roles(Role.PARTICIPANT, Role.FACILITATOR)
def download(material_id: int) -> ResponseReturnValue:
    """The file, as an attachment of the type found in its content (never shown inline)."""
    material = db.get_or_404(SessionMaterial, material_id)
    seen = get_session_for_materials(material.session_id)
    if material.kind != MaterialKind.FILE:
        abort(404)
    if not seen.manages and not services.is_available(material, seen.session, page_now()):
        abort(404)
    try:
        data = services.content_of(material)
    except services.MaterialError:
        abort(404)
    response = Response(data, mimetype=material.content_type or "application/octet-stream")
    response.headers["Content-Disposition"] = _download_name(material)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

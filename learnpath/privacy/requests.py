"""A person's own privacy requests: download everything in one zip, and ask for erasure.

The download holds ``gegevens.json`` (everything the platform holds about the person, see
``services.export_data``), their action plans as PDF and DOCX (generated now, never stored)
and a short ``LEESMIJ.txt`` in their language. Erasure is carried out by an admin of their
organisation (``services.erase``): the request tells the admins, shows on their privacy page
and is marked done by the erasure. A person has at most one open request (a unique column).
"""

from __future__ import annotations

import io
import zipfile

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnpath.accounts.models import Role, User, UserRole
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from learnpath.privacy import services
from learnpath.privacy.models import ErasureRequest, ErasureStatus
from learnpath.privacy.signals import PersonalFiles, personal_files
from learnpath.web.urls import external_url


def personal_zip(user: User) -> bytes:
    """Everything about ``user`` in one zip: the JSON export and the files other features hold
    about them (their action plans as PDF and DOCX, see ``signals.personal_files``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gegevens.json", services.export_json(user))
        with force_locale(user.locale or "nl"):
            # Receivers word their headings in the person's language, as the read-me is.
            answers = [
                answer for _receiver, answer in personal_files.send(None, user=user) if answer
            ]
            for answer in answers:
                for name, body in answer.files:
                    archive.writestr(name, body)
            archive.writestr("LEESMIJ.txt", _readme(answers))
    return buffer.getvalue()


def _readme(answers: list[PersonalFiles]) -> str:
    lines = [
        _("Everything learnpath holds about you."),
        "",
        _(
            "gegevens.json: your account, enrolments, attendance, assignments, feedback, "
            "self-assessments, action plans, career conversations and messages, as stored."
        ),
    ]
    for answer in answers:
        lines.append(answer.heading)
        lines.extend(f"- {name}" for name, _body in answer.files)
    return "\n".join(lines) + "\n"


def filename(user: User) -> str:
    return f"learnpath-gegevens-{user.id}.zip"


# --- erasure requests ---------------------------------------------------------------------


def open_request(user: User) -> ErasureRequest | None:
    return db.session.scalar(select(ErasureRequest).where(ErasureRequest.open_user_id == user.id))


def request_erasure(user: User) -> ErasureRequest:
    """Record the request and tell the person and the admins of their organisation."""
    if open_request(user) is not None:
        raise services.PrivacyError(_l("You have already asked for erasure."))
    request = ErasureRequest(user_id=user.id, open_user_id=user.id)
    try:
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except IntegrityError:  # a second request at the same moment
        raise services.PrivacyError(_l("You have already asked for erasure.")) from None
    admins = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.ADMIN,
            User.organisation_id == user.organisation_id,
            User.is_active_account.is_(True),
            User.id != user.id,
        )
        .order_by(User.id)
    ).all()
    for admin in admins:
        queue_message(
            "privacy.erasure_requested",
            admin,
            _l("A request to erase personal data"),
            "privacy/erasure_requested",
            idempotency_key=f"privacy.erasure_requested:{request.id}:{admin.id}",
            link=external_url("privacy.users"),
        )
    queue_message(
        "privacy.erasure_received",
        user,
        _l("We have received your request to erase your data"),
        "privacy/erasure_received",
        idempotency_key=f"privacy.erasure_received:{request.id}",
        link=external_url("privacy.mine"),
    )
    return request


def withdraw_request(user: User) -> None:
    request = open_request(user)
    if request is None:
        raise services.PrivacyError(_l("There is no open request to withdraw."))
    request.status = ErasureStatus.WITHDRAWN
    request.open_user_id = None
    request.handled_at = utcnow()
    db.session.flush()


def mark_done(user: User, admin: User) -> None:
    """Close the person's open request, if any, after the admin erased their data."""
    request = open_request(user)
    if request is None:
        return
    request.status = ErasureStatus.DONE
    request.open_user_id = None
    request.handled_at = utcnow()
    request.handled_by_id = admin.id
    db.session.flush()


def open_requests(organisation_id: int) -> list[tuple[ErasureRequest, User]]:
    """The organisation's open requests, oldest first, with the person who asked."""
    rows = db.session.execute(
        select(ErasureRequest, User)
        .join(User, User.id == ErasureRequest.user_id)
        .where(ErasureRequest.open_user_id.is_not(None), User.organisation_id == organisation_id)
        .order_by(ErasureRequest.requested_at, ErasureRequest.id)
    ).all()
    return [(r, u) for r, u in rows]

"""The rules of session materials: who adds them, what may be uploaded, who sees what when."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from learnpath.accounts.models import User
from learnpath.cohorts.models import CohortSession, Enrolment, EnrolmentStatus
from learnpath.cohorts.services import can_manage
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.materials import filetypes
from learnpath.materials.models import MaterialKind, SessionMaterial, Visibility
from learnpath.materials.storage import storage
from learnpath.web.forms import single_line_error

#: The largest file accepted (the request as a whole may be 16 MB: MAX_CONTENT_LENGTH).
MAX_BYTES = 15 * 1024 * 1024
#: Enrolments that see a session's materials: a confirmed seat, or the programme completed.
VIEWER_STATUSES = frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED})
MAX_PER_SESSION = 50


class MaterialError(Refusal):
    """A material that cannot be added or shown; the message is safe to show."""


def may_manage(user: User, session: CohortSession) -> bool:
    return can_manage(user, session.cohort)


def viewer_enrolment(user: User, session: CohortSession) -> Enrolment | None:
    """The user's enrolment in the session's cohort that lets them see its materials."""
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.status.in_(VIEWER_STATUSES),
        )
    )


def available_from(material: SessionMaterial, session: CohortSession) -> datetime | None:
    """When participants see the material (None: straight away)."""
    if material.visibility == Visibility.AT_START:
        return session.starts_at
    if material.visibility == Visibility.AFTER:
        return session.ends_at
    return None


def is_available(material: SessionMaterial, session: CohortSession, now: datetime) -> bool:
    moment = available_from(material, session)
    return moment is None or now >= moment


def materials_of(session: CohortSession) -> list[SessionMaterial]:
    return list(
        db.session.scalars(
            select(SessionMaterial)
            .where(SessionMaterial.session_id == session.id)
            .order_by(SessionMaterial.created_at, SessionMaterial.id)
        )
    )


def visible_materials(session: CohortSession, now: datetime) -> list[SessionMaterial]:
    """What an enrolled participant sees now."""
    return [m for m in materials_of(session) if is_available(m, session, now)]


def _title(title: str) -> str:
    title = title.strip()
    problem = single_line_error(title)
    if problem:
        raise MaterialError(problem, {"title": problem})
    if not title:
        raise MaterialError(_l("Enter a title."), {"title": str(_l("Enter a title."))})
    return title[:200]


def _check_room(session: CohortSession) -> None:
    count = len(materials_of(session))
    if count >= MAX_PER_SESSION:
        raise MaterialError(
            _l("A session has at most %(n)s materials.", n=MAX_PER_SESSION),
        )


def clean_filename(name: str, extension: str) -> str:
    """A safe download name: letters, digits, dot, dash, underscore; the real extension."""
    base = unicodedata.normalize("NFKD", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    base = base.encode("ascii", "ignore").decode()
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:100] or "materiaal"
    return f"{stem}.{extension}"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def add_file(
    session: CohortSession, actor: User, title: str, upload: Upload, visibility: Visibility
) -> SessionMaterial:
    """Store an uploaded file (type judged by its content) for the session."""
    title = _title(title)
    if not upload.data:
        raise MaterialError(_l("Choose a file."), {"file": str(_l("Choose a file."))})
    if len(upload.data) > MAX_BYTES:
        message = _l("The file is larger than %(mb)s MB.", mb=MAX_BYTES // (1024 * 1024))
        raise MaterialError(message, {"file": str(message)})
    found = filetypes.sniff(upload.data)
    if found is None:
        message = _l(
            "This kind of file cannot be shared. Allowed: %(kinds)s.", kinds=filetypes.ACCEPTED
        )
        raise MaterialError(message, {"file": str(message)})
    _check_room(session)
    material = SessionMaterial(
        session_id=session.id,
        kind=MaterialKind.FILE,
        title=title,
        filename=clean_filename(upload.filename, found.extension),
        content_type=found.content_type,
        size_bytes=len(upload.data),
        visibility=visibility,
        added_by_id=actor.id,
    )
    db.session.add(material)
    db.session.flush()
    storage().put(material.id, upload.data)
    return material


def valid_link(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and "." in (parts.hostname or "")


def add_link(
    session: CohortSession, actor: User, title: str, url: str, visibility: Visibility
) -> SessionMaterial:
    title = _title(title)
    url = url.strip()
    problem = single_line_error(url)
    if problem or not valid_link(url) or len(url) > 1000:
        message = _l("Enter the link as a full https:// address.")
        raise MaterialError(message, {"url": str(message)})
    _check_room(session)
    material = SessionMaterial(
        session_id=session.id,
        kind=MaterialKind.LINK,
        title=title,
        url=url,
        visibility=visibility,
        added_by_id=actor.id,
    )
    db.session.add(material)
    db.session.flush()
    return material


def remove(material: SessionMaterial) -> None:
    storage().delete([material.id])
    db.session.execute(delete(SessionMaterial).where(SessionMaterial.id == material.id))
    db.session.flush()


def content_of(material: SessionMaterial) -> bytes:
    data = storage().get(material.id) if material.kind == MaterialKind.FILE else None
    if data is None:
        raise MaterialError(_l("This file is no longer available."))
    return data

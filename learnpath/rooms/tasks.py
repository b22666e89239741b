"""The rooms' periodic job: make, move and cancel rooms whose earlier attempt failed (or that
wait for a provider that needs a call, such as Microsoft Teams)."""

from __future__ import annotations

from learnpath import jobs
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.rooms import services
from learnpath.rooms.models import Provider
from learnpath.rooms.providers import JitsiRooms


@jobs.periodic("meeting_rooms", every=jobs.Beat.REMINDER, order=25, commits=True)
def meeting_rooms() -> int:
    """Do the rooms' pending work; one commit per room, so one failure stops nothing else."""
    now = utcnow()
    ids = services.claim_due(now)
    db.session.commit()
    if not ids:
        return 0
    rooms = services.rooms_with_sessions(ids)
    adapters = services.adapters_for({room.session.cohort.organisation_id for room in rooms})
    done = 0
    for room in rooms:
        adapter = adapters.get(room.session.cohort.organisation_id)
        if room.provider == Provider.JITSI and not isinstance(adapter, JitsiRooms):
            adapter = JitsiRooms(None)  # a room left at Jitsi: nothing to call there
        try:
            done += services.process(room, room.session, adapter, now, recheck=True)
            db.session.commit()
        except Exception:  # one room never stops the batch; its claim expires, it is retried
            db.session.rollback()
            services.log.exception("meeting room %s could not be processed", room.id)
    return done

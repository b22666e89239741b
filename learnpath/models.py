"""Import every model module, so the metadata is complete for Alembic and the app."""

from learnpath.accounts import models as accounts_models
from learnpath.assignments import models as assignments_models
from learnpath.cohorts import models as cohorts_models
from learnpath.ical import models as ical_models
from learnpath.notifications import models as notifications_models
from learnpath.schedule import models as schedule_models

__all__ = [
    "accounts_models",
    "assignments_models",
    "cohorts_models",
    "ical_models",
    "notifications_models",
    "schedule_models",
]

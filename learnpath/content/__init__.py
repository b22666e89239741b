"""Programme content as data: typed schema, loader and checks (no Flask here).

The content lives in TOML files under ``modules/`` and ``assignments/`` of a root directory;
``modules/README.md`` describes the format.
"""

from learnpath.content.checks import check_content
from learnpath.content.loader import load_content
from learnpath.content.schema import (
    Assignment,
    Block,
    Competency,
    Content,
    ContentError,
    Instrument,
    IntervisionMethod,
    Problem,
    Programme,
    SessionBlueprint,
    Text,
    WorkshopSeries,
)

__all__ = [
    "Assignment",
    "Block",
    "Competency",
    "Content",
    "ContentError",
    "Instrument",
    "IntervisionMethod",
    "Problem",
    "Programme",
    "SessionBlueprint",
    "Text",
    "WorkshopSeries",
    "check_content",
    "load_content",
]

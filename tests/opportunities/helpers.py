"""Values for kansenbank tests (shared with the form fuzz test)."""

from __future__ import annotations

from learnpath.opportunities.models import OpportunityKind, OpportunityStatus, TimeUnit
from learnpath.opportunities.services import OfferData

COMPETENCIES = {"werkexploratie", "netwerken", "kwaliteitenreflectie"}


def offer_data(**changes: object) -> OfferData:
    values: dict[str, object] = {
        "kind": OpportunityKind.SHADOWING,
        "title": "Meelopen bij Vergunningen",
        "team": "Team Vergunningen",
        "time_amount": 1,
        "time_unit": TimeUnit.DAYS,
        "starts_on": None,
        "ends_on": None,
        "learns": "Hoe een vergunning tot stand komt.",
        "competency": "werkexploratie",
        "network_id": None,
        "status": OpportunityStatus.OPEN,
        "places": 1,
    }
    values.update(changes)
    return OfferData(**values)  # type: ignore[arg-type]

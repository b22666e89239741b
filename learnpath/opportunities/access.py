"""Loaders of the kansenbank that 404 for anyone who may not see the thing: an opportunity not
visible to the person's organisation, someone else's opportunity to manage, someone else's
response."""

from __future__ import annotations

from flask import abort

from learnpath.accounts.models import User
from learnpath.extensions import db
from learnpath.opportunities.models import Opportunity, OpportunityResponse
from learnpath.opportunities.services import is_visible


def visible_opportunity(opportunity_id: int, user: User) -> Opportunity:
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    if not is_visible(user, opportunity.id):
        abort(404)
    return opportunity


def managed_opportunity(opportunity_id: int, user: User) -> Opportunity:
    """An opportunity this person offered (the only one who manages it and sees responses)."""
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    if opportunity.offered_by_id != user.id:
        abort(404)
    return opportunity


def own_response(response_id: int, user: User) -> OpportunityResponse:
    response = db.get_or_404(OpportunityResponse, response_id)
    if response.user_id != user.id:
        abort(404)
    return response


def response_to_decide(response_id: int, user: User) -> OpportunityResponse:
    """A response to an opportunity this person offered."""
    response = db.get_or_404(OpportunityResponse, response_id)
    if response.opportunity.offered_by_id != user.id:
        abort(404)
    return response

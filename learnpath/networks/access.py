"""Loaders for the network pages: a network (or one of its cohorts) that the signed-in user
coordinates, else 404 (also when it does not exist, so a URL never tells whether an id does)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from learnpath.accounts import networks
from learnpath.accounts.models import Network
from learnpath.cohorts.models import Cohort
from learnpath.extensions import db


def get_coordinated_network(network_id: int) -> Network:
    """The network if the current user coordinates it (their organisation an active member)."""
    network = db.get_or_404(Network, network_id)
    if not networks.is_coordinator(current_user, network.id):
        abort(404)
    return network


def get_network_cohort(network: Network, cohort_id: int) -> Cohort:
    """A cohort of this network; 404 for any other cohort."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if cohort.network_id != network.id:
        abort(404)
    return cohort

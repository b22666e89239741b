"""A network "IGOM" of two organisations (both accepted) and a third that was only invited."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from learnpath.accounts import networks
from learnpath.accounts.models import Network, Organisation, Role, User
from learnpath.extensions import db


@dataclass
class Igom:
    network: Network
    heerlen: Organisation
    vaals: Organisation
    invited: Organisation
    heerlen_admin: User
    vaals_admin: User
    invited_admin: User
    coordinator: User


@pytest.fixture
def igom(org, make_org, make_user) -> Igom:
    vaals, invited = make_org("Gemeente Vaals"), make_org("Gemeente Uitgenodigd")
    admins = [make_user(Role.ADMIN, organisation=o) for o in (org, vaals, invited)]
    network = networks.create_network("igom", "IGOM")
    for organisation, admin in zip((org, vaals, invited), admins, strict=True):
        row = networks.invite(network, organisation)
        if organisation is not invited:
            networks.consent(row, admin)
    coordinator = make_user(Role.FACILITATOR, name="Cora Coördinator")
    networks.add_coordinator(network, coordinator)
    db.session.commit()
    return Igom(network, org, vaals, invited, *admins, coordinator)

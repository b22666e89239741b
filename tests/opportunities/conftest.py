"""A small world for the kansenbank: organisations A and B in one network, C outside it; an
offerer in B; participants in A (one with a manager) and in C."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from learnpath.accounts.models import (
    Network,
    NetworkMembership,
    Organisation,
    Role,
    User,
)
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.opportunities import services
from learnpath.opportunities.models import Opportunity
from tests.opportunities.helpers import COMPETENCIES, offer_data


@dataclass
class Kb:
    a: Organisation
    b: Organisation
    c: Organisation
    network: Network
    offerer: User  # of B
    colleague: User  # of B, not the offerer
    participant: User  # of A, with manager
    manager: User  # of A
    other: User  # participant of A
    outsider: User  # participant of C


@pytest.fixture
def kb(org, make_org, make_user) -> Kb:
    b, c = make_org("Gemeente Beekdal"), make_org("Gemeente Ceesdorp")
    network = Network(slug="igom-test", name="IGOM")
    db.session.add(network)
    db.session.flush()
    for organisation in (org, b):
        db.session.add(
            NetworkMembership(
                network_id=network.id, organisation_id=organisation.id, consent_at=utcnow()
            )
        )
    # C was invited but never consented: not a member.
    db.session.add(NetworkMembership(network_id=network.id, organisation_id=c.id))
    db.session.commit()
    manager = make_user(Role.MANAGER, name="Manon Leidinggevende")
    participant = make_user(Role.PARTICIPANT, name="Pien Deelnemer", manager=manager)
    return Kb(
        a=org,
        b=b,
        c=c,
        network=network,
        offerer=make_user(Role.MANAGER, organisation=b, name="Olaf Aanbieder"),
        colleague=make_user(Role.PARTICIPANT, organisation=b, name="Bram Collega"),
        participant=participant,
        manager=manager,
        other=make_user(Role.PARTICIPANT, name="Otto Deelnemer"),
        outsider=make_user(Role.PARTICIPANT, organisation=c, name="Cas Buiten"),
    )


@pytest.fixture
def make_offer(kb):
    def make(offerer: User | None = None, **changes: object) -> Opportunity:
        who = offerer or kb.offerer
        if "network_id" not in changes and who.organisation_id == kb.b.id:
            changes["network_id"] = kb.network.id
        opportunity = services.offer(who, offer_data(**changes), COMPETENCIES)
        db.session.commit()
        return opportunity

    return make

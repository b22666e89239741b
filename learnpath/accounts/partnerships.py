"""Partnerships between organisations: the only way a cohort is opened to another employer's staff.

A partnership is a pair of organisations recorded by the platform operator (``flask orgs
partner``). It is active only while the administrators of *both* organisations consent, each on
their own admin page; either side may withdraw, which ends it. Without an active partnership a
cohort is open to its own organisation only, and no other organisation's name is shown.
(Regional networks of more than two organisations are a later issue.)
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from learnpath.accounts.models import Organisation, OrganisationPartnership, Role, User
from learnpath.accounts.services import AccountError
from learnpath.db import utcnow
from learnpath.extensions import db


def _pair(a: Organisation, b: Organisation) -> tuple[int, int]:
    if a.id == b.id:
        raise AccountError(_l("An organisation cannot be its own partner."))
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def find(a: Organisation, b: Organisation) -> OrganisationPartnership | None:
    """The partnership of the two organisations, active or not."""
    first, second = _pair(a, b)
    return db.session.scalar(
        select(OrganisationPartnership).where(
            OrganisationPartnership.first_id == first, OrganisationPartnership.second_id == second
        )
    )


def propose(a: Organisation, b: Organisation) -> OrganisationPartnership:
    """Record the pair (platform operator); it waits for both administrators' consent.

    Recording it again changes nothing.
    """
    partnership = find(a, b)
    if partnership is None:
        first, second = _pair(a, b)
        partnership = OrganisationPartnership(first_id=first, second_id=second)
        db.session.add(partnership)
        db.session.flush()
    return partnership


def remove(a: Organisation, b: Organisation) -> bool:
    """Delete the pair (platform operator); returns whether there was one."""
    partnership = find(a, b)
    if partnership is None:
        return False
    db.session.delete(partnership)
    db.session.flush()
    return True


def _side(partnership: OrganisationPartnership, user: User) -> str:
    if Role.ADMIN not in user.roles:
        raise AccountError(_l("Only an administrator can decide on a partnership."))
    if user.organisation_id == partnership.first_id:
        return "first"
    if user.organisation_id == partnership.second_id:
        return "second"
    raise AccountError(_l("This partnership does not concern your organisation."))


def consent(partnership: OrganisationPartnership, admin: User) -> None:
    """Give the consent of the administrator's organisation."""
    side = _side(partnership, admin)
    if getattr(partnership, f"{side}_consent_at") is None:
        setattr(partnership, f"{side}_consent_at", utcnow())
        setattr(partnership, f"{side}_consent_by_id", admin.id)
    db.session.flush()


def withdraw(partnership: OrganisationPartnership, admin: User) -> None:
    """Withdraw the consent of the administrator's organisation: the partnership is inactive."""
    side = _side(partnership, admin)
    setattr(partnership, f"{side}_consent_at", None)
    setattr(partnership, f"{side}_consent_by_id", None)
    db.session.flush()


@dataclass(frozen=True)
class PartnershipView:
    """One partnership as an organisation's administrator sees it."""

    id: int
    partner: Organisation
    we_consent: bool
    they_consent: bool

    @property
    def is_active(self) -> bool:
        return self.we_consent and self.they_consent


def _involving(organisation_id: int) -> list[OrganisationPartnership]:
    return list(
        db.session.scalars(
            select(OrganisationPartnership).where(
                or_(
                    OrganisationPartnership.first_id == organisation_id,
                    OrganisationPartnership.second_id == organisation_id,
                )
            )
        )
    )


def for_organisation(organisation: Organisation) -> list[PartnershipView]:
    """The organisation's partnerships (recorded by the operator), by partner name."""
    views = []
    for p in _involving(organisation.id):
        ours_first = p.first_id == organisation.id
        views.append(
            PartnershipView(
                id=p.id,
                partner=p.second if ours_first else p.first,
                we_consent=(p.first_consent_at if ours_first else p.second_consent_at) is not None,
                they_consent=(p.second_consent_at if ours_first else p.first_consent_at)
                is not None,
            )
        )
    return sorted(views, key=lambda v: v.partner.name)


def of_organisation(organisation: Organisation, partnership_id: int) -> OrganisationPartnership:
    """The partnership with this id if it concerns the organisation; refused otherwise."""
    partnership = db.session.get(OrganisationPartnership, partnership_id)
    if partnership is None or organisation.id not in (partnership.first_id, partnership.second_id):
        raise AccountError(_l("This partnership does not concern your organisation."))
    return partnership


def partner_ids(organisation_id: int) -> set[int]:
    """Ids of the organisations in an active partnership with this one."""
    return {
        p.second_id if p.first_id == organisation_id else p.first_id
        for p in _involving(organisation_id)
        if p.is_active
    }


def open_to_choices(organisation: Organisation) -> list[Organisation]:
    """What a cohort of the organisation may be opened to: itself first, then its active
    partners by name. No other organisation is ever listed."""
    ids = partner_ids(organisation.id)
    partners = (
        list(
            db.session.scalars(
                select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
            )
        )
        if ids
        else []
    )
    return [organisation, *partners]

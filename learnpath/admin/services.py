"""The rules of user administration: inviting, editing name, address, department, manager and
roles, deactivating and reactivating; every change written to the audit log.

The rules that hold everywhere (the pages, the import):

- an administrator cannot take away their own administrator role, nor deactivate themselves;
- an organisation keeps at least one active administrator;
- a manager is a user of the same organisation with the manager role, never the person
  themselves nor someone who reports to them (directly or further down the line: no cycles);
- the manager role stays while people still report to its holder (choose another manager for
  them first);
- an email address belongs to one account on the whole platform.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from learnpath.accounts import lifecycle, mfa
from learnpath.accounts import services as accounts
from learnpath.accounts.models import Department, Organisation, Role, User, UserRole
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.manager_tracks import hierarchy
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit


class AdminError(Refusal):
    """A rule of user administration refused the change; the message is safe to show."""


@dataclass(frozen=True)
class UserDetails:
    """What an administrator edits besides the roles."""

    name: str
    email: str
    department: Department | None
    manager: User | None


def _role_ref(roles: Iterable[Role]) -> str:
    return ",".join(sorted(r.value for r in roles)) or "-"


# --- invitations --------------------------------------------------------------------------


def invite(actor: User, data: accounts.NewUser) -> User:
    """Create a user of the actor's organisation and send the invitation (audited)."""
    if data.manager is not None:
        refusal = manager_refusal(None, data.manager, actor.organisation_id)
        if refusal:
            raise AdminError(refusal, errors={"manager": refusal})
    user = accounts.create_user(actor.organisation, data, invite=True)
    record_audit(
        actor, user.id, AuditAction.USER_INVITED, f"user:{user.id} roles:{_role_ref(user.roles)}"
    )
    return user


def resend_invitation(actor: User, user: User) -> bool:
    """Send a fresh invitation link (audited); False when the account is already in use."""
    if user.password_hash is not None or not user.is_active_account:
        return False
    accounts.send_invitation(user)
    record_audit(actor, user.id, AuditAction.USER_INVITED, f"user:{user.id} again")
    return True


# --- details and manager ------------------------------------------------------------------


def manager_refusal(
    user: User | None,
    manager: User,
    organisation_id: int,
    lines: Mapping[int, int | None] | None = None,
) -> str | None:
    """Why ``manager`` cannot be the manager of ``user`` (None for a new user); None if it can.

    ``lines`` (user id -> manager id of the organisation, hierarchy.reporting_lines) may be
    given by a caller that checks many people at once; otherwise it is read here."""
    if manager.organisation_id != organisation_id:
        return str(_l("The manager must belong to the same organisation."))
    if Role.MANAGER not in manager.roles:
        return str(_l("%(name)s does not have the manager role.", name=manager.name))
    if user is None:
        return None
    if manager.id == user.id:
        return str(_l("Someone cannot be their own manager."))
    if lines is None:
        lines = hierarchy.reporting_lines([organisation_id])
    if user.id in hierarchy.chain_above(manager.id, lines):
        return str(
            _l(
                "%(manager)s reports to %(name)s (directly or further down the line): "
                "choose someone else.",
                manager=manager.name,
                name=user.name,
            )
        )
    return None


def update_details(
    actor: User,
    user: User,
    details: UserDetails,
    lines: Mapping[int, int | None] | None = None,
) -> list[str]:
    """Change name, email address, department and manager; return the names of the fields that
    changed (audited without their values). ``lines``: see :func:`manager_refusal`."""
    errors: dict[str, str] = {}
    email = accounts.normalise_email(details.email)
    name = details.name.strip()
    if not name:
        errors["name"] = str(_l("Fill in a name."))
    if email != user.email and (
        db.session.scalar(select(User.id).where(User.email == email, User.id != user.id))
        is not None
    ):
        errors["email"] = str(_l("An account with this email address already exists."))
    if (
        details.department is not None
        and details.department.organisation_id != user.organisation_id
    ):
        errors["department"] = str(_l("This department belongs to another organisation."))
    if details.manager is not None and details.manager.id != user.manager_id:
        refusal = manager_refusal(user, details.manager, user.organisation_id, lines)
        if refusal:
            errors["manager"] = refusal
    if errors:
        raise AdminError(next(iter(errors.values())), errors=errors)
    wanted = {
        "name": name,
        "email": email,
        "department": details.department.id if details.department else None,
        "manager": details.manager.id if details.manager else None,
    }
    current = {
        "name": user.name,
        "email": user.email,
        "department": user.department_id,
        "manager": user.manager_id,
    }
    changed = [key for key in wanted if wanted[key] != current[key]]
    if not changed:
        return []
    user.name = name
    user.email = email
    user.department = details.department
    user.manager = details.manager
    db.session.flush()
    record_audit(
        actor, user.id, AuditAction.USER_DETAILS_CHANGED, f"user:{user.id} {','.join(changed)}"
    )
    return changed


# --- roles --------------------------------------------------------------------------------


def _lock_organisation(organisation_id: int) -> None:
    """Serialise changes to the organisation's administrators (the last-admin rule)."""
    db.session.scalar(
        select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    )


def _other_active_admins(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(User.id))
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == user.organisation_id,
                User.id != user.id,
                User.is_active_account.is_(True),
                UserRole.role == Role.ADMIN,
            )
        )
        or 0
    )


def _reports_of(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(User.id)).where(
                User.manager_id == user.id, User.is_active_account.is_(True)
            )
        )
        or 0
    )


def change_roles(actor: User, user: User, roles: Iterable[Role]) -> bool:
    """Give ``user`` exactly these roles (audited); False when nothing changed."""
    wanted = set(roles)
    if not wanted:
        raise AdminError(
            _l("Choose at least one role."), errors={"roles": str(_l("Choose at least one role."))}
        )
    if wanted == user.roles:
        return False
    if Role.ADMIN in user.roles and Role.ADMIN not in wanted:
        if user.id == actor.id:
            message = str(_l("You cannot take away your own administrator role."))
            raise AdminError(message, errors={"roles": message})
        _lock_organisation(user.organisation_id)
        if user.is_active_account and not _other_active_admins(user):
            message = str(_l("The organisation must keep at least one administrator."))
            raise AdminError(message, errors={"roles": message})
    if Role.MANAGER in user.roles and Role.MANAGER not in wanted:
        reports = _reports_of(user)
        if reports:
            message = str(
                _l(
                    "%(name)s is the manager of %(n)d people: choose another manager for them "
                    "first.",
                    name=user.name,
                    n=reports,
                )
            )
            raise AdminError(message, errors={"roles": message})
    before = set(user.roles)
    accounts.set_roles(user, wanted)
    db.session.flush()
    added = [f"+{r.value}" for r in sorted(wanted - before)]
    removed = [f"-{r.value}" for r in sorted(before - wanted)]
    record_audit(
        actor,
        user.id,
        AuditAction.USER_ROLES_CHANGED,
        f"user:{user.id} {' '.join(added + removed)}",
    )
    return True


# --- deactivation -------------------------------------------------------------------------


def deactivate(actor: User, user: User) -> bool:
    """Deactivate ``user`` (learnpath.accounts.lifecycle: signed out everywhere, no sign-in,
    off waitlists and offers, facilitators told); False if already inactive."""
    if user.id == actor.id:
        raise AdminError(_l("You cannot deactivate your own account."))
    if Role.ADMIN in user.roles and user.is_active_account:
        _lock_organisation(user.organisation_id)
        if not _other_active_admins(user):
            raise AdminError(_l("The organisation must keep at least one administrator."))
    return lifecycle.deactivate(user, by=actor, reason="admin")


def reactivate(actor: User, user: User) -> bool:
    """Let a deactivated ``user`` sign in again; False if the account was active."""
    return lifecycle.reactivate(user, by=actor, reason="admin")


def reset_mfa(actor: User, user: User) -> bool:
    """Remove the authenticator of ``user`` (a lost phone): at their next sign-in they set up a
    new one. Audited, and the person is told by mail. False when there was none.

    Only for someone else of the actor's own organisation (one's own is on the account page).
    """
    if user.organisation_id != actor.organisation_id:
        raise AdminError(_l("This account does not exist."))
    if user.id == actor.id:
        raise AdminError(
            _l("You cannot reset your own two-step verification. Ask another administrator.")
        )
    return mfa.reset(user, by=actor, via="admin")


# --- choices for the forms ----------------------------------------------------------------


def departments_of(organisation_id: int) -> list[Department]:
    return list(
        db.session.scalars(
            select(Department)
            .where(Department.organisation_id == organisation_id)
            .order_by(Department.name)
        )
    )


def managers_of(organisation_id: int) -> list[tuple[int, str]]:
    """(id, name) of the organisation's active users with the manager role, by name."""
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(User.id, User.name)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == organisation_id,
                User.is_active_account.is_(True),
                UserRole.role == Role.MANAGER,
            )
            .order_by(User.name, User.id)
        )
    ]


def users_by_id(organisation_id: int, ids: Iterable[int]) -> Mapping[int, User]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.organisation_id == organisation_id, User.id.in_(wanted))
        )
    }

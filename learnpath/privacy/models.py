"""Privacy records without personal content: the audit log of reads of someone else's personal
data, retention runs (counts) and erasure requests."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from learnpath.db import UTCDateTime, str_enum, utcnow
from learnpath.enums import LabelledEnum
from learnpath.extensions import Model


class AuditAction(LabelledEnum):
    """What an audit event records (the stored ``AuditEvent.action``)."""

    ACTION_PLAN_VIEW = "action_plan.view", _l("Opened an action plan")
    ACTION_PLAN_EXPORT = "action_plan.export", _l("Downloaded an action plan")
    ACTION_PLAN_SHARE = "action_plan.share", _l("Shared the plan")
    ACTION_PLAN_SHARE_CHANGED = "action_plan.share_changed", _l("Changed the shared sections")
    ACTION_PLAN_REVOKE = "action_plan.revoke", _l("Revoked sharing")
    SUBMISSION_VIEW = "submission.view", _l("Opened a submission")
    READ_SELF_ASSESSMENT = "read_self_assessment", _l("Read shared self-assessment scores")
    PRIVACY_EXPORT = "privacy.export", _l("Downloaded all personal data")
    PRIVACY_ERASE = "privacy.erase", _l("Erased the personal data")
    LTI_LINK_CREATED = "lti.link_created", _l("Learning platform account linked")
    LTI_LINK_CONFIRMED = "lti.link_confirmed", _l("Link with the learning platform confirmed")
    LTI_LAUNCH_SIGN_IN = "lti.launch_sign_in", _l("Signed in from the learning platform")
    LTI_REGISTRATION_CREATED = "lti.registration_created", _l("Learning platform registered")
    LTI_REGISTRATION_CHANGED = "lti.registration_changed", _l("Learning platform settings changed")
    ACCOUNT_DEACTIVATED = "account.deactivated", _l("Account deactivated")
    ACCOUNT_REACTIVATED = "account.reactivated", _l("Account reactivated")
    USER_INVITED = "user.invited", _l("Invited to learnpath")
    USER_ROLES_CHANGED = "user.roles_changed", _l("Roles changed")
    USER_DETAILS_CHANGED = (
        "user.details_changed",
        _l("Name, address, department or manager changed"),
    )
    MFA_SET_UP = "mfa.set_up", _l("Two-step verification set up")
    MFA_RESET = "mfa.reset", _l("Two-step verification reset")
    MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used", _l("Signed in with a recovery code")
    MFA_REMOVED = "mfa.removed", _l("Authenticator removed")
    SSO_IDENTITY_LINKED = "sso.identity_linked", _l("Organisation sign-in linked to the account")
    SSO_ACCOUNT_CREATED = "sso.account_created", _l("Account created by the organisation sign-in")
    SSO_PROVIDER_REGISTERED = "sso.provider_registered", _l("Organisation sign-in registered")
    SSO_PROVIDER_CHANGED = "sso.provider_changed", _l("Organisation sign-in settings changed")
    SCIM_TOKEN_ROTATED = "scim.token_rotated", _l("SCIM token made or replaced")
    SCIM_TOKEN_REVOKED = "scim.token_revoked", _l("SCIM token revoked")
    NOTE_EDITED = "note.edited", _l("Private note about a participant edited")
    NOTE_DELETED = "note.deleted", _l("Private note about a participant deleted")
    VISIBILITY_CHANGED = "account.visibility_changed", _l("Privacy and visibility settings changed")
    NETWORK_MEMBERSHIP_ACCEPTED = "network.membership_accepted", _l("Network membership accepted")
    NETWORK_MEMBERSHIP_ENDED = "network.membership_ended", _l("Network membership ended")
    NETWORK_COORDINATOR_ADDED = "network.coordinator_added", _l("Made coordinator of a network")
    NETWORK_COORDINATOR_REMOVED = (
        "network.coordinator_removed",
        _l("No longer coordinator of a network"),
    )


class AuditEvent(Model):
    """A read of someone else's personal content (DESIGN §6): who, whose, what, when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: An AuditAction value (a plain string column: no data migration, old rows load).
    action: Mapped[str] = mapped_column(String(60))
    #: e.g. "submission:12"
    object_ref: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_ref} by={self.actor_id}>"


class RetentionRun(Model):
    """One run of the retention job that found work in one organisation (no personal data)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The organisation's setting at the time of the run.
    months: Mapped[int]
    #: Trajectories (enrolments) whose personal content was removed.
    trajectories: Mapped[int]
    #: Participant accounts pseudonymised because all their trajectories were past retention.
    accounts: Mapped[int]
    #: Cohorts whose group content (session and intervision notes) was blanked.
    groups: Mapped[int]

    def __repr__(self) -> str:
        return f"<RetentionRun {self.id} org={self.organisation_id} {self.trajectories}>"


class ErasureStatus(enum.StrEnum):
    REQUESTED = "requested"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class ErasureRequest(Model):
    """A person's request to erase their personal data; an admin of their organisation acts on it.

    Holds no free text: after the erasure the row stays as the record that it was carried out.
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The requester's id while the request is open, else None: one open request per person,
    #: also when two requests race (unique).
    open_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    status: Mapped[ErasureStatus] = mapped_column(
        str_enum(ErasureStatus, length=20), default=ErasureStatus.REQUESTED
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The admin who carried out the erasure.
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<ErasureRequest {self.id} user={self.user_id} {self.status}>"

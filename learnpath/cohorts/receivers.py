"""The cohorts feature's answers to other features' signals (connected by the app factory)."""

from __future__ import annotations

from typing import Any

from learnpath.accounts.models import User
from learnpath.accounts.signals import account_created, user_deactivated
from learnpath.cohorts.invitations import redeem
from learnpath.cohorts.leavers import withdraw_leaver


@user_deactivated.connect
def _on_user_deactivated(sender: object, user: User, **extra: Any) -> None:
    withdraw_leaver(user)


@account_created.connect
def _on_account_created(sender: object, user: User, **extra: Any) -> None:
    redeem(user)

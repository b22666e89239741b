from learnpath.accounts.models import Role

P = frozenset({Role.PARTICIPANT})
F = frozenset({Role.FACILITATOR})
M = frozenset({Role.MANAGER})

ROUTES = {
    "action_plans.plan": (P, "GET"),
    "action_plans.edit": (P, "GET"),
    "action_plans.reopen": (P, "POST"),
    "action_plans.version": (P, "GET"),
    "action_plans.export": (P, "GET"),
    "action_plans.share": (P, "GET"),
    "action_plans.share_sections": (P, "POST"),
    "action_plans.revoke": (P, "POST"),
    "action_plans.audit": (P, "GET"),
    "action_plans.follow_up": (P, "GET"),
    "action_plans.conversation": (P, "GET"),
    "action_plans.accept_time": (P, "POST"),
    "action_plans.participant_checklist": (P, "POST"),
    "action_plans.participant_outcome": (P, "POST"),
    "action_plans.inbox": (M, "GET"),
    "action_plans.shared_plan": (M, "GET"),
    "action_plans.manager_export": (M, "GET"),
    "action_plans.acknowledge": (M, "POST"),
    "action_plans.propose": (M, "POST"),
    "action_plans.manager_checklist": (M, "POST"),
    "action_plans.manager_notes": (M, "POST"),
    "action_plans.manager_outcome": (M, "POST"),
    "action_plans.facilitator_plan": (F, "GET"),
}

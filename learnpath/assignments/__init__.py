"""Assignments between sessions, the participant workspace, facilitator review, self-assessment."""

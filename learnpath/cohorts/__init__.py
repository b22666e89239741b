"""Cohorts, enrolment and the waitlist."""

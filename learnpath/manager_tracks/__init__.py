"""Manager tracks: workshop series and intervision groups for managers, run on the cohort
machinery (enrolment, waitlist, scheduling, attendance, calendars) as two more track kinds."""

"""The live sessions of a cohort: scheduling, changes, attendance."""

"""Messages to a cohort, its waitlist or selected people (and manager groups), archived on the cohort page."""

"""Network pages: coordinators run cohorts across member organisations; network figures."""

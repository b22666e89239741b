"""Programme reporting for HR and facilitators: aggregated, anonymised figures."""

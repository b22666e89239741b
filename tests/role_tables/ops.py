from learnpath.web.access import PUBLIC

# Probes for a load balancer and metrics for Prometheus: no session. /metrics asks for its own
# bearer token (LEARNPATH_METRICS_TOKEN) and does not exist without one (tests/ops).
ROUTES = {
    "ops.healthz": (PUBLIC, "GET"),
    "ops.readyz": (PUBLIC, "GET"),
    "ops.metrics_page": (PUBLIC, "GET"),
}

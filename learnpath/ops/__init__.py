"""Running learnpath as a service: health and readiness probes, Prometheus metrics, one JSON
log line per request (with its X-Request-ID), and the checks `flask doctor` prints."""

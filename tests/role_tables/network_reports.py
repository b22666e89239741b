from learnpath.web.access import SIGNED_IN

# Signed in, and then a coordinator of the network only (404 for everyone else: the view asks
# accounts.networks.is_coordinator; tests/reports/test_network_report.py).
ROUTES = {
    "reports.network_page": (SIGNED_IN, "GET"),
    "reports.network_xlsx": (SIGNED_IN, "GET"),
    "reports.network_pdf": (SIGNED_IN, "GET"),
    "reports.network_csv": (SIGNED_IN, "GET"),
}

from learnpath.web.access import PUBLIC, SIGNED_IN

ROUTES = {
    "ical.feed": (PUBLIC, "GET"),
    "ical.settings": (SIGNED_IN, "GET"),
    "ical.new_link": (SIGNED_IN, "POST"),
    "ical.revoke_link": (SIGNED_IN, "POST"),
}

"""The calendar feed (token in the URL) and the page to manage one's feed links."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.cohorts.models import Cohort
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.ical import services
from learnpath.ical.blueprint import bp
from learnpath.ical.feeds import Feed, feed_for_token
from learnpath.ical.forms import FeedLinkForm
from learnpath.schedule import overview as schedule_overview
from learnpath.web.access import public, roles, signed_in
from learnpath.web.actions import commit
from learnpath.web.clock import page_now

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _feed_response(feed: Feed) -> Response:
    if request.if_none_match.contains_weak(feed.etag):
        response = Response(status=304)
    else:
        response = Response(feed.body, content_type=CONTENT_TYPE)
        response.headers["Content-Disposition"] = 'inline; filename="learnpath.ics"'
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/cal/<token>.ics")
@public
def feed(token: str) -> ResponseReturnValue:
    """Serve a calendar feed; the token is the credential, so no cookie is read or set (F12)."""
    result = feed_for_token(token, utcnow())
    if result is None:
        return Response("Not found\n", status=404, content_type="text/plain; charset=utf-8")
    return _feed_response(result)


@bp.route("/agenda")
@signed_in
def settings() -> ResponseReturnValue:
    """Show the user's feed links with instructions, and the buttons to manage them."""
    page = services.settings_page(current_user)
    response = make_response(render_template("ical/settings.html", page=page))
    # The page shows secret links: keep it out of caches and referrers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/agenda/overzicht")
@roles(Role.FACILITATOR)
def overview() -> ResponseReturnValue:
    """Every session of the cohorts and groups I facilitate, a week or a month at a time,
    overlapping sessions marked; with the one calendar link for all of them."""
    zone = ZoneInfo(current_user.organisation.timezone)
    today = page_now().astimezone(zone).date()
    span = schedule_overview.parse_span(request.args.get("weergave"))
    anchor = schedule_overview.parse_day(request.args.get("datum"), today)
    page = schedule_overview.overview(current_user, span, anchor)
    entry = services.facilitating_entry(current_user)
    response = make_response(
        render_template(
            "ical/overview.html",
            page=page,
            spans=schedule_overview.Span,
            today=today,
            feed=entry,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # shows a secret feed link
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _back(form: FeedLinkForm) -> str:
    """Back to the page the button was on: the overview for the all-cohorts feed."""
    if form.scope.data == "facilitating" and request.form.get("back") == "overzicht":
        return url_for("ical.overview")
    return url_for("ical.settings")


def _cohort(form: FeedLinkForm) -> Cohort | None:
    if form.cohort_id.data is None:
        return None
    return db.get_or_404(Cohort, form.cohort_id.data)


@bp.route("/agenda/link", methods=["POST"])
@signed_in
def new_link() -> ResponseReturnValue:
    """Create a feed link, or replace it (the old URL stops working)."""
    form = FeedLinkForm()
    if not form.validate_on_submit():
        abort(400)
    cohort = _cohort(form)
    facilitating = form.scope.data == "facilitating"
    replacing = services.find_token(current_user, cohort, facilitating=facilitating) is not None
    try:
        services.issue_token(current_user, cohort, facilitating=facilitating)
    except services.NotAllowed:
        abort(404)
    commit()
    if replacing:
        flash(
            _(
                "You have a new calendar link. The old link no longer works: subscribe again with the new one."
            ),
            "success",
        )
    else:
        flash(_("Your calendar link is ready."), "success")
    return redirect(_back(form))


@bp.route("/agenda/link/intrekken", methods=["POST"])
@signed_in
def revoke_link() -> ResponseReturnValue:
    """Revoke a feed link: calendar apps that use it stop receiving the sessions."""
    form = FeedLinkForm()
    if not form.validate_on_submit():
        abort(400)
    facilitating = form.scope.data == "facilitating"
    if services.revoke_token(current_user, _cohort(form), facilitating=facilitating):
        commit()
        flash(_("The calendar link no longer works."), "success")
    return redirect(_back(form))

"""The calendar page (links, instructions, buttons) and `flask calendar-url`."""

from __future__ import annotations

from learnpath import create_app
from learnpath.extensions import db
from learnpath.ical import services
from tests.conftest import IsolatedClient
from tests.ical.factories import enrol, make_cohort, plan


def links_on(page_text):
    return [
        part.split('"')[0]
        for part in page_text.split('value="')[1:] + page_text.split('href="')[1:]
        if "/cal/" in part.split('"')[0]
    ]


def test_page_creates_shows_replaces_and_revokes_the_personal_link(client, login_as, person):
    login_as(person)
    page = client.get("/agenda")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "There is no calendar link yet." in page.text
    for app_name in ("Outlook", "Google Calendar", "Apple Calendar"):
        assert app_name in page.text

    created = client.post("/agenda/link", data={"cohort_id": ""}, follow_redirects=True)
    assert "Your calendar link is ready." in created.text
    first = links_on(created.text)
    https = next(link for link in first if link.startswith("http"))
    webcal = next(link for link in first if link.startswith("webcal://"))
    assert webcal == "webcal://" + https.split("://", 1)[1]
    assert https.endswith(".ics")
    assert client.get(https.removeprefix("http://localhost")).status_code == 200

    replaced = client.post("/agenda/link", data={}, follow_redirects=True)
    assert "The old link no longer works" in replaced.text
    new_https = next(link for link in links_on(replaced.text) if link.startswith("http"))
    assert new_https != https
    assert client.get(https.removeprefix("http://localhost")).status_code == 404

    revoked = client.post("/agenda/link/intrekken", data={}, follow_redirects=True)
    assert "The calendar link no longer works." in revoked.text
    assert "There is no calendar link yet." in revoked.text
    assert client.get(new_https.removeprefix("http://localhost")).status_code == 404


def test_facilitator_sees_and_creates_cohort_links(client, login_as, org, coach, cohort):
    other = make_cohort(org, [coach], name="Autumn", signup_days=60)
    login_as(coach)
    page = client.get("/agenda").text
    assert "Calendars of the cohorts you facilitate" in page
    assert "Spring" in page and "Autumn" in page
    client.post("/agenda/link", data={"cohort_id": str(cohort.id)})
    row = services.find_token(coach, cohort)
    assert row is not None and row.cohort_id == cohort.id
    assert services.find_token(coach, other) is None
    assert services.find_token(coach) is None  # the personal link is separate


def test_participant_sees_no_cohort_section_and_cannot_make_cohort_links(
    client, login_as, person, cohort
):
    login_as(person)
    assert "Calendars of the cohorts you facilitate" not in client.get("/agenda").text
    response = client.post("/agenda/link", data={"cohort_id": str(cohort.id)})
    assert response.status_code == 404
    assert services.find_token(person, cohort) is None
    assert client.post("/agenda/link", data={"cohort_id": "999999"}).status_code == 404
    assert client.post("/agenda/link", data={"cohort_id": "x"}).status_code == 400


def test_forms_need_a_csrf_token(app_config, person):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    if "ical" not in app.blueprints:
        from learnpath.ical.blueprint import bp

        app.register_blueprint(bp)
    app.test_client_class = IsolatedClient
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
        session["_fresh"] = True
    try:
        assert client.post("/agenda/link", data={}).status_code == 400
        assert services.find_token(person) is None
        page = client.get("/agenda").text
        assert 'name="csrf_token"' in page
    finally:
        with app.app_context():
            db.engine.dispose()  # this second app's connections


def test_cli_prints_the_personal_feed_url(runner, client, cohort, coach, person):
    plan(cohort, coach)
    enrol(cohort, person)
    result = runner.invoke(args=["calendar-url", "PIET@gemeente.example"])
    assert result.exit_code == 0, result.output
    https, webcal = result.output.split()
    assert https.startswith("http://localhost/cal/") and webcal.startswith(
        "webcal://localhost/cal/"
    )
    assert client.get(https.removeprefix("http://localhost")).status_code == 200
    again = runner.invoke(args=["calendar-url", "piet@gemeente.example"])
    assert again.output.split()[0] == https  # shows the same link, does not replace it
    fresh = runner.invoke(args=["calendar-url", "piet@gemeente.example", "--new"])
    assert fresh.output.split()[0] != https
    missing = runner.invoke(args=["calendar-url", "nobody@example.org"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_link_made_with_another_key_cannot_be_shown_but_keeps_working(client, app, person):
    row = services.issue_token(person)
    db.session.commit()
    url = services.feed_links(row).https.removeprefix("http://localhost")
    app.config["CALENDAR_TOKEN_KEY"] = "a-new-key"
    assert services.feed_links(row) is None
    assert client.get(url).status_code == 200
    assert services.settings_page(person).personal.has_token

"""Issue #25 point 8: nonce bound to state bound to browser; ``exp`` required; no replays."""

from __future__ import annotations

from tests.lti.helpers import (
    REMOVE,
    assert_refused,
    claims,
    links,
    post_launch,
    start_login,
    users,
)


def test_a_token_with_another_browsers_nonce_is_refused(app, client, lti):
    first = start_login(client, lti)  # browser 1 starts a login ...
    second_browser = app.test_client()
    second = start_login(second_browser, lti)  # ... and so does browser 2
    # Browser 2 posts a valid token carrying browser 1's nonce, with its own state cookie.
    token = lti.platform.sign(claims(lti, first["nonce"]))
    before = users()
    response = post_launch(second_browser, token, second["state"])
    assert_refused(second_browser, response, before)
    # And browser 1's own state cannot be used from browser 2.
    token = lti.platform.sign(claims(lti, first["nonce"]))
    response = post_launch(second_browser, token, first["state"])
    assert_refused(second_browser, response, before)
    assert "browsersessie" in response.text


def test_a_token_without_exp_is_refused(client, lti):
    login = start_login(client, lti)
    before = users()
    token = lti.platform.sign(claims(lti, login["nonce"], exp=REMOVE))
    assert_refused(client, post_launch(client, token, login["state"]), before)


def test_a_token_without_iat_is_refused(client, lti):
    login = start_login(client, lti)
    before = users()
    token = lti.platform.sign(claims(lti, login["nonce"], iat=REMOVE))
    assert_refused(client, post_launch(client, token, login["state"]), before)


def test_after_a_launch_its_state_and_token_work_in_no_browser(app, client, lti):
    login = start_login(client, lti)
    token = lti.platform.sign(claims(lti, login["nonce"]))
    assert post_launch(client, token, login["state"]).status_code in (200, 302)
    made = users(), links()
    other = app.test_client()
    replay = post_launch(other, token, login["state"])
    assert_refused(other, replay, made[0], made[1])
    # The same browser, with its state cookie still there: used already.
    client.post("/logout")
    again = post_launch(client, token, login["state"])
    assert again.status_code == 400 and "al gebruikt" in again.text
    assert (users(), links()) == made


def test_a_state_cookie_of_another_login_does_not_fit(app, client, lti):
    login = start_login(client, lti)
    other = start_login(client, lti)  # same browser, second login
    token = lti.platform.sign(claims(lti, login["nonce"]))
    before = users()
    # Post the first login's token with the second login's state: nonce does not match.
    assert_refused(client, post_launch(client, token, other["state"]), before)

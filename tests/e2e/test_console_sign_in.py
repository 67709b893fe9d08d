"""The console's sign-in, sessions, lockout and headers, over HTTP on PostgreSQL (issue 18)."""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta

import httpx

from tests.e2e.conftest import Api
from tests.support.console import (
    PASSWORD,
    account,
    assert_no_inline_code,
    csrf,
    hidden,
    person,
    sign_in,
    sign_in_form,
)


def new_client(api: Api) -> httpx.Client:
    return httpx.Client(base_url=api.base_url, timeout=30, follow_redirects=False)


def test_a_page_without_a_session_sends_the_person_to_sign_in_and_back(api: Api) -> None:
    with new_client(api) as client:
        answer = client.get("/?vue=appels")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/connexion?suite=%2F%3Fvue%3Dappels"
        account(api, "nadia.collect", "collector")
        signed = sign_in(client, "nadia.collect", suite="/?vue=appels")
        assert signed.status_code == 303
        assert signed.headers["location"] == "/?vue=appels"


def test_signing_in_opens_a_session_cookie_that_scripts_cannot_read(api: Api) -> None:
    account(api, "paul.manager", "manager")
    with new_client(api) as client:
        answer = sign_in(client, "paul.manager")
        cookie = answer.headers["set-cookie"]
        assert "relance_session=" in cookie
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        page = client.get("/")
        assert page.status_code == 200
        assert "Aujourd'hui" in page.text and "Paul Manager" in page.text


def test_a_wrong_password_is_refused_in_french_and_recorded(api: Api) -> None:
    account(api, "lea.compta", "accountant")
    with new_client(api) as client:
        answer = sign_in(client, "lea.compta", "not the password at all")
        assert answer.status_code == 401
        assert "Identifiant ou mot de passe incorrect." in answer.text
        assert "relance_session" not in answer.cookies
    attempts = api.services.console_sessions().attempts("lea.compta")
    assert attempts[0][1:] == ("lea.compta", "127.0.0.1", "refused")


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(api: Api) -> None:
    with new_client(api) as client:
        answer = sign_in(client, "nobody.here", PASSWORD)
        assert answer.status_code == 401
        assert "Identifiant ou mot de passe incorrect." in answer.text


def test_five_failures_lock_the_account_even_against_the_right_password(api: Api) -> None:
    account(api, "max.locked", "collector")
    with new_client(api) as client:
        for _ in range(4):
            assert sign_in(client, "max.locked", "wrong password 123").status_code == 401
        fifth = sign_in(client, "max.locked", "wrong password 123")
        assert "bloqué pendant 15 minutes" in fifth.text
        right = sign_in(client, "max.locked", PASSWORD)
        assert right.status_code == 401 and "bloqué" in right.text
        assert "relance_session" not in right.cookies
    outcomes = [a[3] for a in api.services.console_sessions().attempts("max.locked")]
    assert outcomes.count("refused") == 5 and outcomes.count("locked") == 1
    # the lock is on the app's clock: 16 minutes later the right password opens
    api.clock.advance(timedelta(minutes=16))
    with new_client(api) as client:
        assert sign_in(client, "max.locked", PASSWORD).status_code == 303


def test_a_sign_in_form_without_its_token_is_refused(api: Api) -> None:
    account(api, "zoe.token", "auditor")
    with new_client(api) as client:
        sign_in_form(client)
        answer = client.post("/connexion", data={"username": "zoe.token", "password": PASSWORD, "token": "forged"})
        assert answer.status_code == 401 and "expiré" in answer.text


def test_signing_out_ends_the_session_on_the_server(api: Api) -> None:
    with closing(person(api, "collector", "olga.out")) as client:
        secret = client.cookies["relance_session"]
        refused = client.post("/deconnexion", data={"csrf": "forged"})
        assert refused.status_code == 403 and "expiré" in refused.text
        out = client.post("/deconnexion", data={"csrf": csrf(client)})
        assert out.status_code == 303 and out.headers["location"] == "/connexion"
    with new_client(api) as replay:  # the old cookie, replayed, opens nothing
        replay.cookies.set("relance_session", secret)
        assert replay.get("/").status_code == 303


def test_a_session_ends_after_an_hour_without_a_request(api: Api) -> None:
    with closing(person(api, "collector", "idle.person")) as client:
        assert client.get("/").status_code == 200
        api.clock.advance(timedelta(minutes=61))
        assert client.get("/").status_code == 303


def test_a_disabled_account_loses_its_open_sessions(api: Api) -> None:
    with closing(person(api, "collector", "gone.person")) as client:
        assert client.get("/").status_code == 200
        api.services.users.disable("gone.person")
        assert client.get("/").status_code == 303


def test_console_pages_carry_a_strict_content_security_policy(api: Api) -> None:
    with closing(person(api, "auditor", "carl.audit")) as client:
        page = client.get("/")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert_no_inline_code(page.text)
        assert hidden(page.text, "csrf")


def test_an_unknown_console_page_is_a_french_page_and_the_api_keeps_problem_json(api: Api) -> None:
    with closing(person(api, "auditor", "carl.audit")) as client:
        page = client.get("/creances/inconnue/nulle-part")
        assert page.status_code == 404 and "Page introuvable" in page.text
        assert page.headers["content-type"].startswith("text/html")
    assert api.anonymous().get("/v1/nope").headers["content-type"].startswith("application/problem+json")


def test_the_stylesheet_is_served_from_the_console_itself(api: Api) -> None:
    css = api.anonymous().get("/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "http" not in css.text  # nothing fetched from elsewhere


def test_a_form_over_the_size_limit_gets_a_french_page_and_records_nothing(api: Api) -> None:
    with closing(person(api, "collector", "big.upload")) as client:
        token = csrf(client)
        answer = client.post("/deconnexion", data={"csrf": token, "padding": "x" * (2 * 1024 * 1024)})
        assert answer.status_code == 413
        assert answer.headers["content-type"].startswith("text/html") and "Fichier trop volumineux" in answer.text
        assert client.get("/").status_code == 200  # the sign-out never ran

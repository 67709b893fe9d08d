"""The console's Politiques pages over HTTP on PostgreSQL (issue 18): read by every role, two versions
compared, edited by managers through the validation and store of PUT /v1/policies/{id}."""

from __future__ import annotations

import html
import re
from contextlib import closing

import httpx

from tests.e2e.conftest import Api
from tests.support.console import assert_no_inline_code, csrf, hidden, person


def versions(api: Api, policy_id: str = "light") -> list[int]:
    return [stored.policy.version for stored in api.services.policies.history(policy_id)]


def shipped(api: Api) -> None:
    api.services.dunning()  # wiring the run installs the shipped policies


def edit_form(client: httpx.Client, policy_id: str = "light") -> tuple[str, str, str]:
    """(csrf, the version seen, the TOML in the textarea) of the edit page."""
    page = client.get(f"/politiques/{policy_id}/modifier")
    assert page.status_code == 200, page.text
    found = re.search(r'<textarea id="source"[^>]*>\n?(.*?)</textarea>', page.text, re.S)
    assert found, page.text
    return hidden(page.text, "csrf"), hidden(page.text, "version"), html.unescape(found.group(1))


def shown(response: httpx.Response) -> str:
    """The page as read (entities such as the apostrophe's &#39; decoded)."""
    return html.unescape(response.text)


def save(client: httpx.Client, token: str, version: str, source: str, policy_id: str = "light") -> httpx.Response:
    return client.post(f"/politiques/{policy_id}/modifier", data={"csrf": token, "version": version, "source": source})


def test_every_role_reads_the_policies_and_a_policys_steps_in_french(api: Api) -> None:
    shipped(api)
    with closing(person(api, "collector", "nadia.politiques")) as collector:
        listed = collector.get("/politiques")
        assert listed.status_code == 200
        assert '<a href="/politiques/default">Relance standard</a>' in listed.text
        one = collector.get("/politiques/default")
    assert one.status_code == 200
    assert "Appel de vérification de réception" in one.text
    assert "7 jours après la date de facture, au plus tard 14 jours après la date de facture" in one.text
    assert "à partir de 5\u202f000,00\u00a0€ restant dus" in one.text
    assert "Relance (rappel courtois)" in one.text and "e-mail" in one.text
    assert "Jours ouvrés</dt><dd>lundi, mardi, mercredi, jeudi, vendredi" in one.text
    assert "id = &#34;default&#34;" in one.text or 'id = "default"' in one.text
    assert_no_inline_code(one.text)


def test_a_managers_edit_creates_a_new_version_and_the_two_versions_compare(api: Api) -> None:
    shipped(api)
    with closing(person(api, "manager", "paul.politiques")) as manager:
        token, seen, source = edit_form(manager)
        before = versions(api)
        assert int(seen) == before[-1]
        changed = source.replace('title = "', 'title = "Petites factures : ', 1)
        assert changed != source

        saved = save(manager, token, seen, changed.replace("\n", "\r\n"))

        assert saved.status_code == 303, saved.text
        new = before[-1] + 1
        assert saved.headers["location"] == f"/politiques/light?enregistree={new}"
        assert versions(api) == [*before, new]
        stored = api.services.policies.require("light", new)
        assert stored.source == changed and stored.created_by == "paul.politiques"
        shown = manager.get(saved.headers["location"])
        assert f"Version {new} enregistrée" in shown.text and "Petites factures : " in shown.text

        compared = manager.get("/politiques/light/comparer", params={"de": new - 1, "a": new})

    assert compared.status_code == 200
    rows = re.findall(r'<tr class="(removed|added)">.*?<td class="mark">([^<]*)</td>\s*<td><code>([^<]*)</code>',
                      compared.text, re.S)  # fmt: skip
    assert [(kind, mark.strip()[:1]) for kind, mark, _ in rows] == [("removed", "−"), ("added", "+")]
    assert "Petites factures" not in rows[0][2] and "Petites factures : " in html.unescape(rows[1][2])
    assert "1 ligne(s) retirée(s), 1 ligne(s) ajoutée(s)" in compared.text


def test_an_invalid_policy_is_refused_with_its_message_in_french_and_saves_nothing(api: Api) -> None:
    shipped(api)
    with closing(person(api, "manager", "paul.politiques")) as manager:
        token, seen, source = edit_form(manager)
        before = versions(api)
        broken = source.replace("offset_days = 5", "offset_days = cinq", 1)
        assert broken != source
        unknown_key = source.replace("offset_days = 5", "offset_dyas = 5", 1)

        refused = save(manager, token, seen, broken)
        misspelt = save(manager, token, seen, unknown_key)

    assert refused.status_code == 422
    assert "Politique refusée, ligne" in shown(refused) and "le texte n'est pas du TOML valide" in shown(refused)
    assert "offset_days = cinq" in shown(refused)  # the person's text is kept in the form
    assert misspelt.status_code == 422
    assert re.search(r"Politique refusée, ligne \d+, stages\[\d\]\.offset_dyas : clé inconnue", shown(misspelt))
    assert versions(api) == before


def test_an_edit_saved_meanwhile_is_reported_not_overwritten(api: Api) -> None:
    shipped(api)
    with closing(person(api, "manager", "paul.politiques")) as manager:
        token, seen, source = edit_form(manager)
        other = source.replace('title = "', "title = \"Modifiée par l'API : ", 1)
        put = api.as_("manager").put("/v1/policies/light", content=other, headers={"Content-Type": "application/toml"})
        assert put.status_code == 200, put.text
        mine = source.replace('title = "', 'title = "Ma version : ', 1)

        conflict = save(manager, token, seen, mine)

        assert conflict.status_code == 409
        assert "Quelqu'un a enregistré une nouvelle version" in shown(conflict) and "Rien n'a été enregistré" in shown(
            conflict
        )
        assert "Ma version : " in conflict.text  # the person's text is kept
        assert api.services.policies.require("light").source == other
        assert versions(api)[-1] == put.json()["version"]
        assert hidden(conflict.text, "version") == str(put.json()["version"])
        # knowingly saved again, it builds on the version now seen
        again = save(manager, hidden(conflict.text, "csrf"), hidden(conflict.text, "version"), mine)
    assert again.status_code == 303
    assert api.services.policies.require("light").source == mine


def test_a_collector_sees_no_edit_form_and_its_post_is_refused(api: Api) -> None:
    shipped(api)
    before = versions(api)
    with closing(person(api, "collector", "nadia.politiques")) as collector:
        page = collector.get("/politiques/light")
        assert page.status_code == 200 and "/politiques/light/modifier" not in page.text
        assert collector.get("/politiques/light/modifier").status_code == 403
        source = api.services.policies.require("light").source

        refused = save(collector, csrf(collector, "/politiques"), str(before[-1]), source)

    assert refused.status_code == 403 and "Accès refusé" in refused.text
    assert versions(api) == before


def test_an_unknown_policy_or_version_is_a_french_404(api: Api) -> None:
    shipped(api)
    with closing(person(api, "auditor", "carl.politiques")) as auditor:
        assert auditor.get("/politiques/nope").status_code == 404
        missing = auditor.get("/politiques/light", params={"version": 999})
        compared = auditor.get("/politiques/light/comparer", params={"de": 1, "a": 999})
    assert missing.status_code == 404 and "Page introuvable" in missing.text
    assert compared.status_code == 404

"""The interface's languages: public pages under a language prefix, the choice of
language for a path without one, the switcher, and the alternates (issue 18)."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model

from cities.models import City, Membership

LANGUAGES = ["en", "de", "it", "fr", "sk"]
PUBLIC_PAGES = [
    "/{lang}/",
    "/{lang}/cases/",
    "/{lang}/cases/?q=pitch&country=AT",
    "/{lang}/cases/vienna-innovation-pitch-fund/",
    "/{lang}/cities/",
    "/{lang}/cities/bologna/",
    "/{lang}/teams/imco-vienna/",
    "/{lang}/types/enhancement-oriented/",
    "/{lang}/insights/",
    "/{lang}/about/",
]


def alternates(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    )


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("de-AT,de;q=0.9,en;q=0.5", "/de/"),
        ("sk", "/sk/"),
        ("fr-BE", "/fr/"),
        ("it-CH,it;q=0.9", "/it/"),
        ("pl,ja;q=0.5", "/en/"),  # none of ours: English
        ("", "/en/"),
    ],
)
def test_the_home_page_without_a_prefix_opens_in_the_browsers_language(
    client, db, accept_language, expected
):
    response = client.get("/", headers={"Accept-Language": accept_language})
    assert response.status_code == 302
    assert response["Location"] == expected
    assert "Accept-Language" in response["Vary"]


def test_an_old_link_without_a_prefix_keeps_its_path_and_query(client, db):
    response = client.get(
        "/cases/", {"q": "pitch", "theme": "economy"}, headers={"Accept-Language": "it"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/it/cases/?q=pitch&theme=economy"


def test_the_switcher_keeps_the_page_and_query_and_remembers_the_choice(client, demo):
    page = client.get("/en/cases/", {"q": "pitch", "country": "AT"}).content.decode()
    links = dict(
        re.findall(r'<a href="(/language/[^"]+)" hreflang="([a-z]+)"', page)[i][::-1]
        for i in range(5)
    )
    assert set(links) == set(LANGUAGES)

    response = client.get(links["de"].replace("&amp;", "&"))
    assert response.status_code == 302
    assert response["Location"] == "/de/cases/?q=pitch&country=AT"
    cookie = response.cookies["atlas_language"]
    assert cookie.value == "de"
    assert cookie["samesite"] == "Lax"
    assert response.headers["Cache-Control"].startswith("max-age=0")

    german = client.get(response["Location"])
    assert german.status_code == 200
    assert german["Content-Language"] == "de"
    assert '<html lang="de">' in german.content.decode()
    assert 'hreflang="de" lang="de" aria-current="true">Deutsch</a>' in (
        german.content.decode()
    )

    # Back to English from the German page: the round trip lands where it started.
    back = client.get(
        "/language/en/", {"next": "/de/cases/?q=pitch&country=AT"}, follow=False
    )
    assert back["Location"] == "/en/cases/?q=pitch&country=AT"


def test_a_chosen_language_beats_the_browsers_for_a_path_without_a_prefix(client, db):
    client.get("/language/sk/", {"next": "/"})
    response = client.get("/", headers={"Accept-Language": "de"})
    assert response["Location"] == "/sk/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_the_switcher_never_sends_anyone_to_another_site(client, db, next_url):
    response = client.get("/language/fr/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/fr/"


def test_the_switcher_refuses_a_language_we_do_not_have(client, db):
    response = client.get("/language/pl/", {"next": "/en/"})
    assert response.status_code == 404
    assert "atlas_language" not in response.cookies


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_every_public_page_names_its_language_and_its_other_versions(
    client, demo, page, lang
):
    url = page.format(lang=lang)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Language"] == lang
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html

    path = url.split("?")[0]
    unprefixed = path.removeprefix(f"/{lang}")
    expected = {code: f"http://testserver/{code}{unprefixed}" for code in LANGUAGES}
    expected["x-default"] = f"http://testserver{unprefixed}"
    assert alternates(html) == expected


def test_a_workspace_page_has_one_address_shown_in_the_chosen_language(client, demo):
    user = get_user_model().objects.create_user("officer", "o@example.org", "pw")
    Membership.objects.create(
        user=user, city=City.objects.get(slug="vienna"), role=Membership.Role.OFFICER
    )
    client.force_login(user)
    client.get("/language/it/", {"next": "/workspace/"})
    response = client.get("/workspace/")
    assert response.status_code == 200
    assert response["Content-Language"] == "it"
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert alternates(html) == {}  # one address: no alternates
    assert '<a href="/language/de/?next=%2Fworkspace%2F"' in html


def test_the_sitemap_lists_every_language_version_with_its_alternates(client, demo):
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 (our own)
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "x": "http://www.w3.org/1999/xhtml",
    }
    urls = {u.findtext("s:loc", namespaces=ns): u for u in root.findall("s:url", ns)}
    case = "/cases/vienna-innovation-pitch-fund/"
    for lang in LANGUAGES:
        entry = urls[f"http://testserver/{lang}{case}"]
        links = {
            link.get("hreflang"): link.get("href")
            for link in entry.findall("x:link", ns)
        }
        assert links == {
            **{code: f"http://testserver/{code}{case}" for code in LANGUAGES},
            "x-default": f"http://testserver{case}",
        }


def test_the_api_links_to_pages_in_no_language(client, demo):
    for accept_language in ("de", "fr", ""):
        case = client.get(
            "/api/v1/cases/vienna-innovation-pitch-fund/",
            headers={"Accept-Language": accept_language},
        ).json()
        assert case["web_url"] == (
            "http://testserver/cases/vienna-innovation-pitch-fund/"
        )


def test_the_api_answers_in_the_language_of_lang_or_accept_language(client, demo):
    url = "/api/v1/cases/no-such-case/"
    english = client.get(url)
    assert english["Content-Language"] == "en"
    assert english.json()["title"] == "Not Found"

    german = client.get(url, headers={"Accept-Language": "de-AT,de;q=0.9"})
    assert german["Content-Language"] == "de"
    assert german.json()["title"] == "Nicht gefunden"
    assert "Accept-Language" in german["Vary"]

    # ?lang= comes first, and the same URL space serves every language.
    french = client.get(url, {"lang": "fr"}, headers={"Accept-Language": "de"})
    assert french["Content-Language"] == "fr"
    assert french.json()["title"] == "Introuvable"
    assert french.json()["code"] == "not_found"  # what clients match on

    listed = client.get("/api/v1/cases/", {"lang": "sk"})
    assert listed.status_code == 200
    assert listed["Content-Language"] == "sk"


def test_an_empty_api_language_is_none_given(client, db):
    response = client.get(
        "/api/v1/cases/", {"lang": ""}, headers={"Accept-Language": "it"}
    )
    assert response.status_code == 200
    assert response["Content-Language"] == "it"


def test_an_unknown_api_language_is_a_400_naming_lang(client, db):
    response = client.get("/api/v1/cases/", {"lang": "pl"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid"
    assert list(problem["errors"]) == ["lang"]
    assert (
        "“pl” is not one of the languages: en, de, it, fr, sk."
        in (problem["errors"]["lang"])
    )


def test_the_schema_documents_how_to_choose_the_language(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/cases/"]["get"]
    parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert sorted(parameters[("query", "lang")]["schema"]["enum"]) == sorted(LANGUAGES)
    assert ("header", "Accept-Language") in parameters

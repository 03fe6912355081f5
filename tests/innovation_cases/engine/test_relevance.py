"""The relevance set of issue 15: about 30 cases (relevance_cases.py) and 25 judged
queries, each with the results a reader would expect at the top, run through the
engine's `search()` on SQLite and PostgreSQL alike.

A judgement says one of: which case comes first (`first`), which cases make up the top
results in any order (`top`), which cases must all be found (`found`), which must not
appear (`absent`), and the "did you mean" correction (`suggestion`). A failure prints
the query, the judgement and the titles the engine gave.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest

from cities.models import City
from core.models import InnovationType, Theme
from innovation_cases.engine.search import Filters, search
from innovation_cases.models import CaseStudy, translation_field
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    InnovationTeamFactory,
)

from .relevance_cases import CASES, CITIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(db: Any) -> dict[str, CaseStudy]:
    cities = {
        slug: CityFactory(slug=slug, name=name, country=country)
        for slug, (name, country) in CITIES.items()
    }
    themes = {t.slug: t for t in Theme.objects.all()}
    types = {t.slug: t for t in InnovationType.objects.all()}
    teams: dict[tuple[str, str], Any] = {}
    cases = {}
    for n, spec in enumerate(CASES):
        city: City = cities[spec["city"]]
        status = spec.get("status", "published")
        district = None
        if "district" in spec:
            district = DistrictFactory(city=city, name=spec["district"])
        case = CaseStudyFactory(
            title=spec["title"],
            city=city,
            district=district,
            summary=spec["summary"],
            challenge=spec.get("challenge", ""),
            approach=spec.get("approach", ""),
            results=spec.get("results", ""),
            lessons_learned=spec.get("lessons", ""),
            year_started=spec.get("year"),
            original_language=spec.get("language", "en"),
            **{
                translation_field(name, language): value
                for language, text in spec.get("translations", {}).items()
                for name, value in text.items()
            },
            status=status,
            published_at=(
                datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
                + datetime.timedelta(days=n)
                if status == "published"
                else None
            ),
        )
        case.themes.set([themes[s] for s in spec.get("themes", [])])
        case.innovation_types.set([types[s] for s in spec.get("types", [])])
        if "team" in spec:
            key = (spec["city"], spec["team"])
            if key not in teams:
                teams[key] = InnovationTeamFactory(city=city, name=spec["team"])
            case.teams.add(teams[key])
        cases[spec["key"]] = case
    return cases


@dataclass(frozen=True)
class Judgement:
    query: str
    first: str | None = None
    top: tuple[str, ...] = ()
    found: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    nothing: bool = False
    suggestion: str | None = None
    filters: Filters = field(default_factory=Filters)
    why: str = ""


JUDGEMENTS = [
    # Boosts: a title match above a summary match above a section match.
    Judgement(
        "digital twin",
        first="twin",
        found=("twin", "tram-data"),
        why="in one title; in the other's lessons only",
    ),
    Judgement(
        "budgeting",
        first="budget",
        found=("budget", "youth-budget"),
        why="title (stemmed) above results",
    ),
    Judgement("heat", top=("heat", "heat-plan"), why="both titles"),
    Judgement("loneliness", first="loneliness"),
    # Phrases.
    Judgement(
        '"digital twin"',
        top=("twin", "tram-data"),
        absent=("eid",),
        why="the phrase in both, not 'digital identity'",
    ),
    Judgement('"school streets"', first="superblocks", top=("superblocks",)),
    # OR and exclusions.
    Judgement("chatbot OR fountains", top=("chatbot", "water")),
    Judgement("permit -parking", top=("design",), absent=("chatbot",)),
    Judgement('digital -"digital twin"', found=("eid",), absent=("twin", "tram-data")),
    # Partial words: a prefix of at least three letters.
    Judgement("innovati", found=("lab", "procurement"), why="innovation, innovative"),
    Judgement(
        "particip",
        top=("budget", "evidence", "bilancio"),
        why="participatory, participation; and participatívny, a Slovak translation's",
    ),
    Judgement("cooperat", first="coop-housing"),
    # A long stem as the start of other forms of the word.
    Judgement(
        "participation",
        found=("evidence", "budget"),
        why="the word in a section; 'participatory' in a title, by its stem",
    ),
    # A possessive is the word itself.
    Judgement("Malmö's budgeting", first="budget"),
    # Stemming.
    Judgement("budgets", first="budget"),
    Judgement("flooding", first="flood"),
    # Accents folded either way.
    Judgement("Malmo", found=("budget", "energy", "flood")),
    Judgement("krakow", found=("housing-first", "library", "waste")),
    Judgement("Zurich trams", first="twin"),
    Judgement("göteborg", found=("youth-budget", "bikes", "design", "energy-advice")),
    # Places: district and team names.
    Judgement(
        "Augustenborg",
        first="noise",
        found=("noise", "flood"),
        why="a section's word above a district's name",
    ),
    Judgement("nowa huta", top=("housing-first",)),
    Judgement("Stadslab", top=("lab", "stadslab-case")),
    # Typos: found anyway, with a correction.
    Judgement("lonelyness", first="loneliness", suggestion="loneliness"),
    Judgement("chatbto", first="chatbot", suggestion="chatbot"),
    # Filters with text.
    Judgement(
        "digital",
        filters=Filters(theme=("mobility",)),
        top=("twin", "tram-data"),
        absent=("eid",),
    ),
    # Every language version, each analysed as its language: stems, stop words,
    # elisions, German compounds, Slovak diacritics (issue 18).
    Judgement(
        "Haushalt",
        first="bilancio",
        why="the German translation's 'Bürgerhaushalt', a compound, of an Italian case",
    ),
    Judgement("Bürgerhaushalt", first="bilancio", why="the German translation's title"),
    Judgement("bilancio", first="bilancio", why="the Italian original"),
    Judgement("quartiere", first="bilancio", why="Italian stem of 'quartieri'"),
    Judgement("l'amministrazione", first="bilancio", why="an Italian elision"),
    Judgement("Verwaltung", first="stadtteillabor", why="in two German compounds"),
    Judgement("Labor", first="stadtteillabor", why="'Stadtteillabore', German plural"),
    Judgement("guichets", first="guichet", why="French plural, stemmed"),
    Judgement("d'état civil", first="guichet", why="a French elision and accents"),
    Judgement(
        '"Bürgerhaushalt in den Stadtteilen"',
        first="bilancio",
        why="a German phrase: a compound's parts in its place, stop words' gaps kept",
    ),
    Judgement(
        '"guichet unique pour l\'état civil"',
        first="guichet",
        why="a French phrase with a stop word and an elision",
    ),
    Judgement("sluzby", first="sluzby", why="Slovak, without its diacritics"),
    # Each language finds the translations into it.
    Judgement("sportelli", first="guichet", why="the Italian translation, stemmed"),
    Judgement("électroniques", first="sluzby", why="the French translation, stemmed"),
    Judgement("rozpočet", first="bilancio", why="the Slovak translation"),
    Judgement("samospráva", first="sluzby", why="a Slovak word's start, as a prefix"),
    # Nothing public to find: words of a draft, a submission, an archived case.
    Judgement("zeppelin", nothing=True),
    Judgement("quagga", nothing=True),
    Judgement("marmot", nothing=True),
]


def misjudged(corpus: dict[str, CaseStudy], judgement: Judgement) -> str | None:
    """Why the engine's answer to `judgement.query` is not as judged, or None."""
    title = {case.pk: case.title for case in corpus.values()}
    key_of = {case.pk: key for key, case in corpus.items()}
    result = search(judgement.query, judgement.filters, limit=50)
    keys = [key_of[i] for i in result.ids]
    problems = []
    if judgement.nothing and result.total:
        problems.append("should find nothing")
    if judgement.first and keys[:1] != [judgement.first]:
        problems.append(f"first should be {judgement.first}")
    if judgement.top and set(keys[: len(judgement.top)]) != set(judgement.top):
        problems.append(f"top should be {set(judgement.top)}")
    if missing := set(judgement.found) - set(keys):
        problems.append(f"should find {missing}")
    if present := (set(judgement.absent) | {"draft", "submitted", "archived"}) & set(
        keys
    ):
        problems.append(f"should not find {present}")
    if judgement.suggestion and result.suggestion != judgement.suggestion:
        problems.append(
            f"should suggest {judgement.suggestion!r}, not {result.suggestion!r}"
        )
    if not problems:
        return None
    return (
        f"{judgement.query!r} ({judgement.why or 'judged'}): {'; '.join(problems)}; "
        f"got {[title[i] for i in result.ids[:6]]}"
    )


def test_the_engine_answers_as_judged(corpus) -> None:
    # One corpus for every judgement (building it is most of the cost); every
    # judgement is checked, and every miss reported.
    misses = [m for j in JUDGEMENTS if (m := misjudged(corpus, j)) is not None]
    assert not misses, "\n".join(misses)


def test_the_set_has_the_size_the_issue_asks_for() -> None:
    published = [c for c in CASES if c.get("status", "published") == "published"]
    assert len(published) >= 28
    assert len(JUDGEMENTS) >= 25

"""Synthetic cities and case studies, for measuring the site at scale (issue 6).

`generate()` fills the database with invented but plausible records: cities with
made-up names in real European countries, and cases whose text, taxonomies, years and
states look like real ones, spread over the cities with a heavy tail (a few cities
with thousands of cases, most with a handful). Everything comes from one seeded
`random.Random`, so a seed gives the same records every time.

Every record made here has `is_synthetic=True`, and `delete()` removes exactly those,
with their many-to-many rows and any history rows, or refuses if a real record points
at one of them. Nothing else is created: no districts, teams, organisations, sources or
users, so that there is nothing else to clean up.

How it loads: the cities with one `bulk_create`, then the cases a batch at a time while
a thread writes the next batch (`_ahead`), all in one transaction. On PostgreSQL
(`_PostgresSaver`), no case is made a model instance: each batch of cases is copied
(COPY) straight into the cases' table, their ids taken from their sequence beforehand,
and the taxonomy rows into theirs. Elsewhere (SQLite), the records go through
`bulk_create`. Either way no signal is sent, so no history rows are written for
synthetic records; the cached pages are dropped once the transaction commits, and the
search index is rebuilt (a journal entry for everything).
"""

from __future__ import annotations

import datetime
import math
import random
import shutil
import threading
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from queue import Full, Queue
from typing import Any, TextIO, cast

from django.contrib.contenttypes.fields import GenericRelation
from django.db import connection, models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalChanges
from tqdm import tqdm

from cities.models import City
from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from core.page_cache import bump_on_commit
from innovation_cases.engine import journal
from innovation_cases.models import CaseStudy, Evidence

# Cases per statement (COPY and INSERT, or bulk_create): short statements, a moving
# progress bar, and little memory.
DEFAULT_BATCH_SIZE = 1000

# Zipf exponent of cases over cities: with 1.0, the biggest of 2,000 cities gets about
# an eighth of all cases and the median city a few dozen per 100,000.
ZIPF_EXPONENT = 1.0

# Years and dates are drawn up to this fixed year, not today's, so a seed gives the
# same records whenever it runs.
LAST_YEAR = 2025

STATUS_WEIGHTS = {
    CaseStudy.Status.PUBLISHED: 85,
    CaseStudy.Status.DRAFT: 7,
    CaseStudy.Status.SUBMITTED: 5,
    CaseStudy.Status.CHANGES_REQUESTED: 1,
    CaseStudy.Status.ARCHIVED: 2,
}
# Evidence of results, spread so that every level is a facet value and completeness
# varies: most synthetic cases' results are unknown or only reported, as in practice.
EVIDENCE_WEIGHTS = {
    Evidence.UNKNOWN: 40,
    Evidence.REPORTED: 30,
    Evidence.MEASURED: 20,
    Evidence.EVALUATED: 10,
}
# Archived cases were published once, so they keep their publication date.
DATED_STATUSES = {CaseStudy.Status.PUBLISHED, CaseStudy.Status.ARCHIVED}


class SyntheticDataError(Exception):
    """The synthetic data cannot be changed as asked; the message says why."""


@dataclass(frozen=True)
class Counts:
    cities: int
    cases: int

    def __bool__(self) -> bool:
        return bool(self.cities or self.cases)


# --- Reading and deleting ------------------------------------------------------------


def existing() -> Counts:
    """How many synthetic cities and cases the database holds."""
    return Counts(
        cities=City.objects.filter(is_synthetic=True).count(),
        cases=CaseStudy.objects.filter(is_synthetic=True).count(),
    )


def blockers() -> list[str]:
    """What real records point at synthetic ones, e.g. "2 case studies (city)".

    Deleting a synthetic city or case would delete or change these (a real case, a
    team, a membership, a citation...), so `delete()` refuses while there are any.
    The relations are read from the models, so a relation added later is covered too.
    History rows and the cases' own many-to-many rows are not blockers: they belong to
    the synthetic records and go with them.
    """
    found = []
    for model in (City, CaseStudy):
        synthetic = model._base_manager.filter(is_synthetic=True).values("pk")
        for rel in model._meta.get_fields(include_hidden=True):
            if rel.concrete or not rel.auto_created:
                continue
            # Auto-created, not concrete: a reverse relation.
            rel = cast(ForeignObjectRel, rel)
            related = rel.related_model
            if issubclass(related, HistoricalChanges) or (
                # An auto-created through model's is the model that made it, which
                # django-stubs types as a bool.
                related._meta.auto_created is CaseStudy  # type: ignore[comparison-overlap]
            ):
                continue
            rows = related._base_manager.filter(**{f"{rel.field.name}__in": synthetic})
            if any(f.name == "is_synthetic" for f in related._meta.concrete_fields):
                rows = rows.filter(is_synthetic=False)
            if n := rows.count():
                found.append(
                    f"{n} {related._meta.verbose_name_plural} ({rel.field.name})"
                )
        for relation in model._meta.private_fields:
            if isinstance(relation, GenericRelation):
                rows = relation.related_model._base_manager.filter(
                    **{
                        relation.content_type_field_name: relation.get_content_type(),
                        f"{relation.object_id_field_name}__in": synthetic,
                    }
                )
                if n := rows.count():
                    found.append(
                        f"{n} {relation.related_model._meta.verbose_name_plural} "
                        f"of synthetic {model._meta.verbose_name_plural}"
                    )
    return found


@transaction.atomic
def delete() -> Counts:
    """Remove every synthetic city and case, their m2m rows and their history rows.

    Raises SyntheticDataError, having changed nothing, if a real record points at a
    synthetic one. The deletes are plain DELETE statements rather than Model.delete():
    the collector would load every case and simple-history would write a "deleted"
    history row for each, which is the opposite of removing them exactly.
    """
    # The writes below send no signals: drop the cached pages once they commit, and
    # have the search index rebuilt.
    bump_on_commit()
    journal.record_everything()
    if found := blockers():
        raise SyntheticDataError(
            "Real records point at synthetic ones: "
            + "; ".join(found)
            + ". Detach or delete them first; nothing was deleted."
        )
    cases = CaseStudy.objects.filter(is_synthetic=True)
    cities = City.objects.filter(is_synthetic=True)
    case_ids = cases.values("pk")
    # History rows, there only if someone edited a synthetic record by hand: the
    # versions' relations (one table per m2m field, pointing at the case without a
    # foreign key constraint), then the versions.
    for rel in CaseStudy._meta.get_fields(include_hidden=True):
        if (
            rel.auto_created
            and not rel.concrete
            # Auto-created, not concrete: a reverse relation.
            and issubclass(cast(ForeignObjectRel, rel).related_model, HistoricalChanges)
        ):
            rel = cast(ForeignObjectRel, rel)  # As above.
            rel.related_model._base_manager.filter(
                **{f"{rel.field.name}__in": case_ids}
            )._raw_delete(cases.db)
    CaseStudy.history.filter(id__in=case_ids)._raw_delete(cases.db)
    City.history.filter(id__in=cities.values("pk"))._raw_delete(cities.db)
    for m2m in CaseStudy._meta.many_to_many:
        # An m2m field's through model, which django-stubs types as optional.
        m2m.remote_field.through._base_manager.filter(  # type: ignore[union-attr]
            **{f"{m2m.m2m_field_name()}__in": case_ids}
        )._raw_delete(cases.db)
    deleted_cases = cases._raw_delete(cases.db)
    deleted_cities = cities._raw_delete(cities.db)
    return Counts(cities=deleted_cities, cases=deleted_cases)


# --- The vocabulary ------------------------------------------------------------------

# Invented place names: syllables chosen to sound European without being a real city.
NAME_STARTS = (
    "Ab Al Bel Bran Cal Cor Dar Dun Ebr El Fal Fen Gal Gor Hal Hav Ist Jor Kel Ker "
    "Lor Lyn Mar Mor Ner Nor Orv Ost Pel Pra Quor Rav Ros Sev Tor Thal Trev Ul Var "
    "Vel Wes Wyn Yr Zan Zel"
).split()
NAME_MIDDLES = ("", "", "", "a", "e", "i", "o", "an", "en", "ar", "or", "il")
NAME_ENDS = (
    "avik oria undel ovar eth iros amber ovik ennor ast ulon aven isk orwen aldi "
    "imir ossa ethra uvio ander ethy arra ilde ondo"
).split()

# ISO code, (south, north, west, east) of a box well inside the country, and a weight
# roughly in proportion to its number of cities.
COUNTRIES: tuple[tuple[str, tuple[float, float, float, float], int], ...] = (
    ("AT", (47.2, 48.6, 9.9, 16.8), 3),
    ("BE", (50.1, 51.2, 3.1, 5.8), 3),
    ("BG", (42.1, 43.8, 22.6, 27.8), 2),
    ("HR", (45.1, 46.2, 15.2, 18.8), 1),
    ("CZ", (48.9, 50.7, 12.6, 18.4), 3),
    ("DK", (55.1, 57.3, 8.4, 10.4), 2),
    ("EE", (57.8, 59.3, 22.4, 27.6), 1),
    ("FI", (60.3, 64.8, 22.2, 29.8), 2),
    ("FR", (43.6, 49.4, -0.8, 6.8), 10),
    ("DE", (47.7, 54.2, 6.6, 14.4), 12),
    ("GR", (37.6, 40.9, 21.0, 23.9), 3),
    ("HU", (46.1, 48.2, 16.6, 22.3), 3),
    ("IE", (51.9, 54.7, -9.6, -6.3), 2),
    ("IT", (40.5, 45.7, 8.1, 16.0), 9),
    ("LV", (56.2, 57.8, 21.6, 27.4), 1),
    ("LT", (54.3, 56.2, 21.4, 26.4), 1),
    ("LU", (49.5, 50.1, 5.8, 6.4), 1),
    ("NL", (51.5, 53.2, 4.4, 6.9), 5),
    ("NO", (59.0, 63.0, 7.0, 11.3), 2),
    ("PL", (49.6, 54.2, 15.2, 23.4), 7),
    ("PT", (37.4, 41.8, -8.6, -7.0), 3),
    ("RO", (44.1, 47.7, 21.6, 27.9), 4),
    ("SK", (47.9, 49.3, 17.4, 22.2), 2),
    ("SI", (45.6, 46.7, 13.8, 16.3), 1),
    ("ES", (37.1, 43.1, -7.9, -0.5), 8),
    ("SE", (55.6, 62.9, 12.6, 17.9), 3),
    ("CH", (46.1, 47.6, 6.3, 10.1), 2),
    ("GB", (50.9, 55.7, -4.4, 1.3), 8),
)


def _phrases(text: str) -> tuple[str, ...]:
    """Phrases separated by semicolons, so the lists stay compact and readable."""
    return tuple(" ".join(phrase.split()) for phrase in text.split(";"))


# What cases under each theme are about, keyed by the theme's slug (migration 0002).
# A theme not listed falls back to its own name.
FOCUS: dict[str, tuple[str, ...]] = {
    "mobility": _phrases(
        "school streets; on-demand buses; shared e-bikes; freight consolidation; "
        "parking permits; protected cycle lanes; last-mile deliveries; "
        "integrated public transport tickets"
    ),
    "affordable-housing": _phrases(
        "social rental housing; vacant flats; housing cooperatives; "
        "energy-efficient renovations; rent support; modular homes"
    ),
    "homelessness": _phrases(
        "rough sleeping; emergency shelter places; housing-first placements; "
        "street outreach; winter support for people sleeping outside"
    ),
    "climate": _phrases(
        "heat-wave preparedness; building retrofits; urban tree planting; "
        "flood resilience; energy use in municipal buildings; district heating"
    ),
    "social-inclusion": _phrases(
        "long-term unemployment; digital literacy; youth employment; "
        "loneliness among older residents; take-up of social benefits"
    ),
    "public-spaces": _phrases(
        "pocket parks; street markets; temporary squares; playgrounds; vacant lots"
    ),
    "safe-streets": _phrases(
        "road safety around schools; safety at night; speed reduction; "
        "pedestrian crossings; street lighting"
    ),
    "digital-services": _phrases(
        "online building permits; benefit applications; appointment booking; "
        "a single resident account; the open data portal; enquiries by chat"
    ),
    "food-systems": _phrases(
        "school meals; urban farming; food waste; local food procurement; "
        "community kitchens"
    ),
    "migration": _phrases(
        "orientation for newcomers; language courses; "
        "recognition of foreign qualifications; housing for refugees; "
        "multilingual information"
    ),
    "neighbourhoods": _phrases(
        "neighbourhood budgets; local service hubs; community centres; "
        "street-level regeneration"
    ),
    "technology-regulation": _phrases(
        "short-term rentals; delivery robots; a public register of algorithms; "
        "sensors in public space; data-sharing agreements"
    ),
    "civic-participation": _phrases(
        "participatory budgeting; citizens' assemblies; online consultations; "
        "youth councils; neighbourhood panels"
    ),
    "government-capacity": _phrases(
        "innovation training for staff; procurement rules; "
        "data skills in departments; cross-department teams; performance dashboards"
    ),
}

ACTORS = _phrases(
    "The city; The municipality; The council; The innovation team; "
    "The mayor's office; A cross-department working group; "
    "The digital services unit; The neighbourhood office; The city's policy lab; "
    "The social affairs department"
)
VERBS = _phrases(
    "piloted; tested; introduced; redesigned; scaled up; co-designed; launched; "
    "commissioned; prototyped; rolled out"
)
GERUNDS = _phrases(
    "Piloting; Testing; Redesigning; Co-designing; Scaling up; Rethinking; "
    "Opening up; Simplifying; Measuring; Rebuilding"
)
ADJECTIVES = _phrases(
    "digital; participatory; low-cost; neighbourhood; open-data; cross-sector; "
    "modular; temporary; resident-led; preventive; data-driven; mobile; "
    "multilingual; shared; inclusive"
)
NOUNS = _phrases(
    "service; platform; pilot; programme; scheme; toolkit; dashboard; hub; "
    "network; fund; protocol; register; partnership; lab; challenge"
)
PARTNERS = _phrases(
    "a local university; residents' associations; small businesses; "
    "social enterprises; the regional transport authority; schools; "
    "housing cooperatives; civil society organisations; start-ups; "
    "neighbouring municipalities; the national government; "
    "a philanthropic foundation; trade unions; health services"
)
PEOPLE = _phrases(
    "residents; older residents; young people; parents; tenants; shop owners; "
    "frontline staff; newcomers; commuters; carers; people with disabilities; "
    "students"
)
GOALS = _phrases(
    "cut waiting times; reach residents who rarely deal with the council; "
    "make the service easier to use; save money over the long term; "
    "share what works between departments; give residents a say early on; "
    "reduce paperwork for staff; base decisions on evidence; "
    "lower carbon emissions; keep the service open to everyone"
)
METRICS = _phrases(
    "waiting times; complaints; the number of missed appointments; "
    "processing costs; energy use; the number of paper forms; vacancy rates; "
    "response times"
)

# The text of a case comes in two steps. Sentence pools are made once per run, with
# most slots filled ({partner}, {people}, numbers...) and the case's own slots left as
# placeholders; each case then joins a few pooled sentences and fills in its focus,
# its noun and adjective, so that the title, summary and sections of one case talk
# about the same thing.
CASE_SLOTS = ("focus", "Focus", "noun", "a_adjective")

TITLE_TEMPLATES = (
    "{gerund} {focus} with {partner}",
    "{A_adjective} {noun} for {focus}",
    "{Focus}: {a_adjective} {noun} for {people}",
    "{gerund} {focus} in {number} neighbourhoods",
    "{Focus} by design: {a_adjective} {noun}",
    "From pilot to policy: {focus}",
    "{gerund} {focus} for {people}",
    "What {people} need from {focus}",
    "{Focus}, rethought with {people}",
    "{A_adjective} {noun} to {goal}",
)
SUMMARY_OPENINGS = (
    "{actor} {verb} {a_adjective} {noun} for {focus} to {goal}.",
    "To {goal}, {actor_lower} {verb} {a_adjective} {noun} for {focus}.",
    "{actor} {verb} {a_adjective} {noun} that brings {people} and {partner} "
    "together around {focus}.",
)
SENTENCES: dict[str, tuple[str, ...]] = {
    "summary": (
        "It worked with {partner} and {partner2} over {months} months.",
        "Within {months} months, {metric} fell by {percent} per cent.",
        "About {count} {people} took part in the first year.",
        "The {noun} now runs in {number} districts.",
        "The {noun} was designed with {people} and is now being evaluated.",
    ),
    "challenge": (
        "Demand for {focus} had grown by {percent} per cent since {year}, "
        "while budgets stayed flat.",
        "Responsibility for {focus} was split between {number} departments, "
        "so no one owned the result.",
        "{People_cap} found the council's offer on {focus} hard to find, slow and "
        "confusing.",
        "Earlier attempts to {goal} had stalled after the pilot stage.",
        "Data on {focus} was scattered across spreadsheets that no one kept up to "
        "date.",
        "Staff spent much of their time on paperwork instead of helping {people}.",
        "The council had little evidence about which measures for {focus} worked.",
        "A survey found that only {percent} per cent of {people} knew what the city "
        "offered on {focus}.",
        "Rising costs and an ageing workforce made the status quo hard to sustain.",
        "{partner_cap} had warned for years that {people} were being left behind.",
        "In {year}, a report by {partner} counted {count} {people} affected.",
        "Each department had its own rules, forms and opening hours.",
    ),
    "approach": (
        "{actor} {verb} {a_adjective} {noun} for {focus}.",
        "The team worked with {partner} to {goal}.",
        "Over {months} months, staff ran {number} workshops with {people} and "
        "{partner}.",
        "A small team of {number} officers was given a budget and a clear mandate.",
        "The first version was tested in one district before it was extended.",
        "Procurement used a challenge-based call open to {partner}.",
        "Each step was documented so that other departments could reuse it.",
        "{People_cap} helped to set the criteria that the {noun} would be judged on.",
        "The {noun} was built on open standards to avoid lock-in to one supplier.",
        "Every {months_short} weeks the team showed its progress to {people} and "
        "changed course where needed.",
        "{partner_cap} ran the evaluation, so that the results would be trusted.",
        "The budget, about EUR {thousands},000, came partly from {partner}.",
    ),
    "results": (
        "Within {months} months, {metric} fell by {percent} per cent.",
        "About {count} {people} used the {noun} in its first year.",
        "An evaluation by {partner} found that {percent} per cent of users were "
        "satisfied.",
        "The pilot cost about EUR {thousands},000, less than the service it replaced.",
        "Not everything worked: take-up among {people} stayed lower than expected.",
        "The council has since adopted the {noun} as its standard way of working.",
        "Since then, {number} other cities have asked for the method and the code.",
        "Complaints about {focus} dropped by {percent} per cent.",
        "Staff reported spending {percent} per cent less time on {metric}.",
        "The {noun} was extended to {number} more districts in {year_late}.",
    ),
    "lessons_learned": (
        "Start small, with one district and a clear question.",
        "Involve {people} from the first week, not after the design is done.",
        "Budget for maintenance as well as for the launch.",
        "A senior sponsor kept the work going when the {noun} met resistance.",
        "Share the data early: {partner} found problems the team had missed.",
        "Measure {metric} before you start, or you cannot show what changed.",
        "Procurement rules allowed more than the team first thought.",
        "Plan how the pilot will end, or be scaled, from the start.",
        "Frontline staff know where the process breaks; ask them first.",
        "Working with {partner} took longer than planned, and was worth it.",
        "Write down what did not work: it saves the next team months.",
    ),
}
BULLETS = (
    "a shared definition of the problem",
    "one owner for the {noun}",
    "monthly open reviews with {people}",
    "a budget line for maintenance",
    "a data-sharing agreement with {partner}",
    "training for frontline staff",
    "a public dashboard of {metric}",
    "clear criteria for scaling up",
    "an exit plan agreed with {partner}",
)
VARIANTS = 30


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _with_article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


class _Slots(dict[str, Any]):
    """A format_map mapping that draws each missing slot from the vocabulary, and
    leaves the case's own slots (CASE_SLOTS) as placeholders unless they are given."""

    def __init__(self, rng: random.Random, **given: str) -> None:
        super().__init__(given)
        self.rng = rng

    def __missing__(self, key: str) -> Any:
        rng = self.rng
        match key:
            case "focus" | "Focus" | "noun" | "a_adjective":
                return "{" + key + "}"
            case "A_adjective":
                return _capitalise(self["a_adjective"])
            case "People_cap":
                return _capitalise(rng.choice(PEOPLE))
            case "partner_cap":
                return _capitalise(rng.choice(PARTNERS))
            case "partner":
                self["partner"] = partner = rng.choice(PARTNERS)
                return partner
            case "partner2":  # Another one than {partner} of the same sentence.
                partner = self.pop("partner", None)
                return rng.choice([p for p in PARTNERS if p != partner])
            case "actor_lower":
                return rng.choice(ACTORS).lower()
            case "number":
                return rng.randint(2, 12)
            case "months":
                return rng.choice((6, 9, 12, 18, 24, 36))
            case "months_short":
                return rng.choice((2, 3, 4, 6))
            case "percent":
                return rng.randint(5, 60)
            case "count":
                return f"{rng.randint(2, 400) * 50:,}"
            case "thousands":
                return rng.randint(40, 900)
            case "year":
                return rng.randint(2010, 2020)
            case "year_late":
                return rng.randint(2021, LAST_YEAR)
        return rng.choice(_WORDS[key])


_WORDS: dict[str, Sequence[str]] = {
    "actor": ACTORS,
    "verb": VERBS,
    "gerund": GERUNDS,
    "adjective": ADJECTIVES,
    "noun": NOUNS,
    "partner": PARTNERS,
    "people": PEOPLE,
    "goal": GOALS,
    "metric": METRICS,
}


def _variants(
    rng: random.Random, templates: Sequence[str], per_template: int
) -> list[list[str]]:
    """Up to `per_template` distinct sentences from each template, the case slots
    left open."""
    variants = []
    for template in templates:
        sentences: dict[str, None] = {}  # A dict keeps the order: the seed decides.
        for _ in range(per_template * 2):
            # Fresh slots for each sentence: {partner2} looks at {partner}.
            sentences[template.format_map(_Slots(rng))] = None
            if len(sentences) == per_template:
                break
        variants.append(list(sentences))
    return variants


def _pick[T](draw: Callable[[], float], items: Sequence[T]) -> T:
    """random.choice, several times faster: it matters 10 million times a run."""
    return items[int(draw() * len(items))]


class _Weighted[T]:
    """Items drawn by fixed weights, with the cumulative weights computed once."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def one(self, draw: Callable[[], float]) -> T:
        return self.items[bisect(self.cumulative, draw() * self.total)]

    def some(self, draw: Callable[[], float], low: int, high: int) -> list[T]:
        """Between low and high distinct items (a draw again on a repeat, which is
        drawing without replacement)."""
        k = min(low + int(draw() * (high - low + 1)), len(self.items))
        chosen: list[T] = []
        while len(chosen) < k:
            item = self.one(draw)
            if item not in chosen:
                chosen.append(item)
        return chosen


def _commonest_first[T](items: Sequence[T]) -> _Weighted[T]:
    """The first terms of a vocabulary (by position) more likely than the last."""
    return _Weighted(items, [1 / (i + 2) for i in range(len(items))])


class _Writer:
    """The title and text of cases, from sentence pools made once.

    Making every sentence from scratch for 100,000 cases takes most of a minute;
    drawing from pooled sentences is fast and still varied, since each section
    combines several templates, each in one of many variants, and fills in the
    case's own focus and words.
    """

    ORDERS = 64  # Pre-shuffled orders of the templates of each section.

    def __init__(self, rng: random.Random, theme_focus: dict[int, Sequence[str]]):
        self.rng = rng
        self.draw = rng.random
        self.theme_focus = theme_focus
        self.openings = _variants(rng, SUMMARY_OPENINGS, VARIANTS)
        self.sentences = {
            section: _variants(rng, templates, VARIANTS)
            for section, templates in SENTENCES.items()
        }
        self.bullets = _variants(rng, BULLETS, 5)
        # Each template once, then once more, in other words, if the text is still
        # short; a sentence without variable words never comes twice.
        self.orders: dict[str, list[list[int]]] = {}
        for section, variants in self.sentences.items():
            self.orders[section] = []
            for _ in range(self.ORDERS):
                order = rng.sample(range(len(variants)), len(variants))
                again = rng.sample(order, len(order))
                order += [i for i in again if len(variants[i]) > 1]
                self.orders[section].append(order)

    def case(self, themes: list[int]) -> dict[str, str]:
        """Title, summary, challenge, approach, results and lessons of one case."""
        draw = self.draw
        focus = _pick(draw, self.theme_focus[themes[0]])
        slots = {
            "focus": focus,
            "Focus": _capitalise(focus),
            "noun": _pick(draw, NOUNS),
            "a_adjective": _with_article(_pick(draw, ADJECTIVES)),
        }
        title = _pick(draw, TITLE_TEMPLATES).format_map(_Slots(self.rng, **slots))
        order = _pick(draw, self.orders["summary"])
        summary = [_pick(draw, _pick(draw, self.openings))] + [
            _pick(draw, self.sentences["summary"][i])
            for i in order[: 1 + int(draw() * 2)]
        ]
        text = {
            "title": _capitalise(title),
            "summary": " ".join(summary).format_map(slots),
        }
        for name in ("challenge", "approach", "results", "lessons_learned"):
            text[name] = self._section(name).format_map(slots)
        return text

    def _section(self, name: str) -> str:
        """Markdown paragraphs of a few hundred to about 1,500 characters (most near
        the short end), now and then with a bulleted list or a bold opening."""
        draw = self.draw
        target = int(self.rng.triangular(200, 1500, 300))
        variants = self.sentences[name]
        sentences: list[str] = []
        length = 0
        for i in _pick(draw, self.orders[name]):
            sentence = _pick(draw, variants[i])
            sentences.append(sentence)
            length += len(sentence) + 1
            if length >= target:
                break
        paragraphs = []
        while sentences:
            size = 2 + int(draw() * 3)
            paragraphs.append(" ".join(sentences[:size]))
            sentences = sentences[size:]
        if name in ("approach", "lessons_learned") and draw() < 0.2:
            intro = "What made the difference:" if name == "approach" else "Have ready:"
            items = "\n".join(
                f"- {_capitalise(_pick(draw, self.bullets[i]))}"
                for i in self.rng.sample(range(len(self.bullets)), 3)
            )
            paragraphs.insert(1, f"{intro}\n\n{items}")
        if draw() < 0.1:
            paragraphs[0] = f"**{paragraphs[0]}**"
        return "\n\n".join(paragraphs)


# --- Generating ----------------------------------------------------------------------


@dataclass
class _Vocabularies:
    """The ids of the taxonomy terms in the database, commonest (by position) first."""

    types: list[int]
    drivers: list[int]
    approaches: list[int]
    themes: list[int]
    stages: list[int]
    theme_focus: dict[int, Sequence[str]]

    @classmethod
    def load(cls) -> _Vocabularies:
        def ids(model: type[models.Model]) -> list[int]:
            return list(
                model._default_manager.order_by("position", "pk").values_list(
                    "pk", flat=True
                )
            )

        themes = list(Theme.objects.order_by("position", "pk"))
        vocabularies = cls(
            types=ids(InnovationType),
            drivers=ids(Driver),
            approaches=ids(Approach),
            themes=[theme.pk for theme in themes],
            stages=ids(LifecycleStage),
            theme_focus={
                theme.pk: FOCUS.get(theme.slug, (theme.name.lower(),))
                for theme in themes
            },
        )
        empty = [
            name
            for name in ("types", "drivers", "approaches", "themes", "stages")
            if not getattr(vocabularies, name)
        ]
        if empty:
            raise SyntheticDataError(
                f"Empty vocabularies ({', '.join(empty)}): run the migrations, which "
                "load them."
            )
        return vocabularies


def _city_names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    names: list[str] = []
    seen = {name.casefold() for name in taken}
    attempts = 0
    while len(names) < n:
        name = (
            rng.choice(NAME_STARTS) + rng.choice(NAME_MIDDLES) + rng.choice(NAME_ENDS)
        )
        attempts += 1
        if attempts > 20 * n:  # The syllables ran out: number the names.
            name = f"{name} {len(names) + 1}"
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def _make_cities(rng: random.Random, n: int, batch_size: int) -> list[City]:
    taken = set(City.objects.values_list("name", flat=True)) | set(
        City.objects.values_list("slug", flat=True)
    )
    names = _city_names(rng, n, taken)
    countries = _Weighted(
        [(code, box) for code, box, _ in COUNTRIES],
        [weight for _, _, weight in COUNTRIES],
    )
    # Populations are log-normal (median about 80,000); the biggest go to the cities
    # made first, which get the most cases (see generate()), as in life.
    populations = sorted(
        (
            min(3_500_000, max(5_000, int(math.exp(rng.gauss(11.3, 1.0)))))
            for _ in names
        ),
        reverse=True,
    )
    cities = []
    for name, population in zip(names, populations, strict=True):
        code, (south, north, west, east) = countries.one(rng.random)
        cities.append(
            City(
                name=name,
                slug=slugify(name),
                country=code,
                population=population,
                latitude=Decimal(f"{rng.uniform(south, north):.6f}"),
                longitude=Decimal(f"{rng.uniform(west, east):.6f}"),
                summary=(
                    f"{name} is an invented city of about {population:,} people, "
                    "generated as test data."
                ),
                is_synthetic=True,
            )
        )
    return City.objects.bulk_create(cities, batch_size=batch_size)


# A batch of new cases: for each, the values of its fields by name, and the ids of its
# terms by m2m field name.
_Batch = tuple[list[dict[str, Any]], list[dict[str, list[int]]]]


def _case_batches(
    rng: random.Random,
    vocabularies: _Vocabularies,
    owners: list[int],
    taken_slugs: set[str],
    batch_size: int,
) -> Iterator[_Batch]:
    """The cases, `batch_size` at a time, as field values; no database access."""
    draw = rng.random
    writer = _Writer(rng, vocabularies.theme_focus)
    themes = _commonest_first(vocabularies.themes)
    types = _commonest_first(vocabularies.types)
    drivers = _commonest_first(vocabularies.drivers)
    approaches = _commonest_first(vocabularies.approaches)
    stages = vocabularies.stages
    late_stages = stages[len(stages) // 2 :]
    statuses = _Weighted(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))
    evidence = _Weighted(list(EVIDENCE_WEIGHTS), list(EVIDENCE_WEIGHTS.values()))
    # Years 2005 to LAST_YEAR, the recent ones more likely (more cases recorded).
    years = _Weighted(range(2005, LAST_YEAR + 1), range(1, LAST_YEAR - 2003))
    last_date = datetime.datetime(LAST_YEAR, 12, 31, 23, 0, tzinfo=datetime.UTC)

    for start in range(0, len(owners), batch_size):
        batch: list[dict[str, Any]] = []
        links: list[dict[str, list[int]]] = []
        for number in range(start + 1, min(start + batch_size, len(owners)) + 1):
            case_themes = themes.some(draw, 1, 3)
            text = writer.case(case_themes)
            slug = f"{slugify(text['title'])[:80].rstrip('-')}-{number}"
            while slug in taken_slugs:
                slug += "-x"
            year_started = years.one(draw)
            year_ended = None
            if draw() < 0.4:
                year_ended = min(LAST_YEAR, year_started + int(draw() * 6))
            # Finished cases are being evaluated or shared; others at any stage.
            stage = _pick(draw, late_stages if year_ended else stages)
            status = statuses.one(draw)
            published_at = None
            if status in DATED_STATUSES:
                first = datetime.datetime(
                    max(year_started, 2012), 1, 1, tzinfo=datetime.UTC
                )
                published_at = first + (last_date - first) * draw()
            batch.append(
                {
                    **text,
                    "slug": slug,
                    "city_id": owners[number - 1],
                    "lifecycle_stage_id": stage,
                    "evidence": evidence.one(draw).value,
                    "year_started": year_started,
                    "year_ended": year_ended,
                    "status": status.value,
                    "published_at": published_at,
                    "is_synthetic": True,
                }
            )
            links.append(
                {
                    "innovation_types": types.some(draw, 1, 2),
                    "drivers": drivers.some(draw, 1, 3),
                    "approaches": approaches.some(draw, 1, 3),
                    "themes": case_themes,
                }
            )
        yield batch, links


def _ahead[T](items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run `items` in a thread, up to `depth` items ahead of the caller.

    Writing a batch of cases is pure Python, and saving one is mostly waiting for
    the database: overlapping the two keeps both cores busy. Only the thread touches the generator, so its random draws, and the
    records, are the same as without it.
    """
    queue: Queue[tuple[str, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[str, Any]) -> None:
        while not stop.is_set():
            try:
                queue.put(message, timeout=0.1)
                return
            except Full:
                continue

    def run() -> None:
        try:
            for item in items:
                put(("item", item))
                if stop.is_set():
                    return
        except BaseException as error:  # Handed to the caller, raised there.
            put(("error", error))
        else:
            put(("done", None))

    thread = threading.Thread(target=run, name="synthetic-cases", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join()


def _save_with_orm(
    batch: list[dict[str, Any]],
    links: list[dict[str, list[int]]],
    m2m_fields: list[Any],
    batch_size: int,
) -> None:
    """Save a batch with bulk_create: any database."""
    cases = CaseStudy.objects.bulk_create(
        [CaseStudy(**fields) for fields in batch], batch_size=batch_size
    )
    for m2m in m2m_fields:
        through = m2m.remote_field.through
        # Positional arguments (id, case, term): much faster than keywords.
        through.objects.bulk_create(
            [
                through(None, case.pk, term)
                for case, terms in zip(cases, links, strict=True)
                for term in terms[m2m.name]
            ],
            batch_size=batch_size * 3,
        )


class _PostgresSaver:
    """Saves batches on PostgreSQL with COPY: the cases straight into their table, then
    their m2m rows into theirs. The cases' ids are taken from their sequence first, as
    the m2m rows need them. Not a model instance is made.
    """

    def __init__(self, cursor: Any, m2m_fields: list[Any]) -> None:
        self.cursor = cursor
        quote = connection.ops.quote_name
        meta = CaseStudy._meta
        self.fields = list(meta.concrete_fields)
        columns = ", ".join(quote(f.column) for f in self.fields)  # type: ignore[arg-type]  # concrete: a column each
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column]
        )
        self.sequence = cursor.fetchone()[0]
        self.copy_cases = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        self.copy_links = []
        for m2m in m2m_fields:
            through = m2m.remote_field.through._meta
            case = through.get_field(m2m.m2m_field_name()).column
            term = through.get_field(m2m.m2m_reverse_field_name()).column
            self.copy_links.append(
                (
                    m2m.name,
                    f"COPY {quote(through.db_table)} ({quote(case)}, {quote(term)}) "
                    "FROM STDIN",
                )
            )

    def __call__(
        self, batch: list[dict[str, Any]], links: list[dict[str, list[int]]]
    ) -> None:
        cursor = self.cursor
        cursor.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [self.sequence, len(batch)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # What bulk_create would put in the fields a case leaves out.
        now = timezone.now()
        defaults = [
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_db_prep_save(f.get_default(), connection)
            for f in self.fields
        ]
        names = [f.attname for f in self.fields]
        pk = CaseStudy._meta.pk.attname
        with cursor.copy(self.copy_cases) as copy:
            for case_id, fields in zip(ids, batch, strict=True):
                copy.write_row(
                    [
                        case_id if name == pk else fields.get(name, default)
                        for name, default in zip(names, defaults, strict=True)
                    ]
                )
        for name, statement in self.copy_links:
            with cursor.copy(statement) as copy:
                for case_id, terms in zip(ids, links, strict=True):
                    for term in terms[name]:
                        copy.write_row((case_id, term))


@transaction.atomic
def generate(
    *,
    cities: int,
    cases: int,
    seed: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: TextIO | None = None,
) -> Counts:
    """Make `cities` synthetic cities and `cases` synthetic cases; see the module doc.

    `progress`, if given, is the stream to draw a progress bar on. Runs in one
    transaction: an error leaves the database as it was.
    """
    if cities < 1 and cases > 0:
        raise SyntheticDataError("Cases need at least one city.")
    # The inserts send no signals: drop the cached pages once this commits, and have
    # the search index rebuilt.
    bump_on_commit()
    journal.record_everything()
    rng = random.Random(seed)  # noqa: S311 -- test data, not secrets  # nosec B311
    vocabularies = _Vocabularies.load()
    city_objects = _make_cities(rng, cities, batch_size)
    # Cases over cities by Zipf's law, rank in order of creation (biggest first).
    owners = rng.choices(
        [city.pk for city in city_objects],
        cum_weights=_zipf_weights(len(city_objects)),
        k=cases,
    )
    taken_slugs = set(CaseStudy.objects.values_list("slug", flat=True))
    postgres = connection.vendor == "postgresql"
    m2m_fields: list[Any] = [
        CaseStudy._meta.get_field(name)
        for name in ("innovation_types", "drivers", "approaches", "themes")
    ]

    batches = _case_batches(rng, vocabularies, owners, taken_slugs, batch_size)
    with _progress(progress, cases) as bar, connection.cursor() as cursor:
        if postgres:
            save = _PostgresSaver(cursor, m2m_fields)
            for batch, links in _ahead(batches):
                save(batch, links)
                bar.update(len(batch))
        else:
            for batch, links in _ahead(batches):
                _save_with_orm(batch, links, m2m_fields, batch_size)
                bar.update(len(batch))

    if postgres:
        # The planner's statistics would otherwise describe the tables as they were
        # before, until autovacuum comes by, and pick poor plans for the first pages.
        with connection.cursor() as cursor:
            for model in (
                City,
                CaseStudy,
                *(f.remote_field.through for f in m2m_fields),
            ):
                cursor.execute(
                    f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                )
    return Counts(cities=len(city_objects), cases=cases)


def _zipf_weights(n: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """Cumulative weights of ranks 1..n under Zipf's law."""
    return list(accumulate(1 / rank**exponent for rank in range(1, n + 1)))


def _progress(stream: TextIO | None, total: int) -> tqdm[Any]:
    size = shutil.get_terminal_size()
    return tqdm(
        total=total,
        desc="Synthetic cases",
        unit="case",
        file=stream,
        disable=stream is None,
        # tqdm draws nothing on a terminal that reports a size of 0 x 0 (some ptys
        # do); shutil falls back to 80 x 24.
        ncols=size.columns,
        nrows=size.lines,
        mininterval=0.5,
    )

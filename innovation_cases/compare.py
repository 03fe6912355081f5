"""Cities side by side: the page /cities/compare/ and the API's
/api/v1/cities/compare/ both check the question with `CompareForm` and answer it with
`compare()`.

What each city records comes from the database (`City.objects.with_profile()`, the
same few queries for two cities as for four); how many of its cases are published, by
innovation type, theme and lifecycle stage, comes from the search engine, one
aggregation for every city at once (`engine.aggregate.counts_by_city`): a city with
10,000 cases compares as fast as one with 10. It lives here, above `cities`, which
knows nothing of cases.

Missing data is said to be missing. A city with no team on record has no team
*recorded*, never "0 teams": "none" only when the city states it (`City.states_no_team`,
read through `has_dedicated_team`; the same for strategies).
The case counts are the Atlas's own: a term none of a city's published cases carries
is "none". Funding amounts keep their currency: a city's programmes are totalled per
currency, never across currencies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from cities.models import City, FundingProgramme, InnovationTeam, Lab, Strategy
from core.filters import ListWidget
from core.slugs import is_slug
from core.templatetags.money import money
from core.vocabularies import BY_NAME, Vocabulary

from .engine.aggregate import CityCounts, counts_by_city

MIN_CITIES: Final = 2
MAX_CITIES: Final = 4
# The vocabularies each city's published cases are broken down by, in this order, with
# the heading of each breakdown (the insights page's words).
CASE_BREAKDOWNS: Final = ("innovation_type", "theme", "lifecycle_stage")
BREAKDOWN_TITLES: Final = {
    "innovation_type": _("Published cases by innovation type"),
    "theme": _("Published cases by theme"),
    "lifecycle_stage": _("Published cases by lifecycle stage"),
}


# --- The question -----------------------------------------------------------------------


class CityListField(forms.Field):
    """From two to four slugs of cities, each once (`?cities=a,b` or `?cities=a&cities=b`,
    as the page's selects send them; empty ones are dropped). Cleans to the cities,
    in the order given, with their records (`with_profile()`)."""

    widget = ListWidget
    default_error_messages = {
        "too_few": _("Choose at least %(min)d cities to compare."),
        "too_many": _("Choose at most %(max)d cities to compare."),
        "duplicate": _("“%(value)s” is chosen more than once: choose each city once."),
        "invalid_choice": _("“%(value)s” is not a known city."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)  # "too few" says it better
        super().__init__(**kwargs)

    def _error(self, code: str, **params: Any) -> ValidationError:
        return ValidationError(self.error_messages[code], code=code, params=params)

    def clean(self, value: Any) -> list[City]:
        values = [str(v) for v in (value or [])]
        # Checked before anything else: a list of a thousand is not looked at.
        if len(values) > MAX_CITIES:
            raise self._error("too_many", max=MAX_CITIES)
        errors: list[ValidationError] = []
        seen: set[str] = set()
        for item in values:
            shown = item[:100].replace("\x00", "\\0")
            if item in seen:
                errors.append(self._error("duplicate", value=shown))
            elif not is_slug(item):  # before any query: a NUL byte never reaches it
                errors.append(self._error("invalid_choice", value=shown))
            seen.add(item)
        slugs = [item for item in dict.fromkeys(values) if is_slug(item)]
        found = {
            city.slug: city
            for city in City.objects.with_profile().filter(slug__in=slugs)
        }
        errors += [
            self._error("invalid_choice", value=slug)
            for slug in slugs
            if slug not in found
        ]
        if len(values) < MIN_CITIES:
            errors.append(self._error("too_few", min=MIN_CITIES))
        if errors:
            raise ValidationError(errors)
        return [found[slug] for slug in slugs]


class CompareForm(forms.Form):
    cities = CityListField(label=_("Cities"))

    def chosen(self) -> list[str]:
        """The slugs as given (empty ones dropped), valid or not: what the page's
        selects show again when the question is refused."""
        return list(self["cities"].value() or [])


# --- The answer -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """A count of one city's published cases (with one term, or all of them), and the
    case-list filter that lists them: "city=vienna&theme=housing"."""

    slug: str
    name: str
    count: int
    query: str

    @property
    def label(self) -> str | Promise:
        """The count as shown: "none" when none of the city's published cases has it
        (the Atlas's own figure, so "none" is what the data says)."""
        return str(self.count) if self.count else _("none")


@dataclass(frozen=True)
class CurrencyTotal:
    """A city's funding programmes in one currency."""

    currency: str
    total: Decimal  # of those whose amount is recorded
    programmes: int
    amounts_recorded: int

    @property
    def label(self) -> str:
        return money(self.total, self.currency)


@dataclass(frozen=True)
class ComparedCity:
    city: City
    teams: list[InnovationTeam]
    labs: list[Lab]
    strategies: list[Strategy]
    funding_programmes: list[FundingProgramme]
    funding_by_currency: list[CurrencyTotal]
    cases: Bar  # every published case of the city
    cases_by: dict[str, list[Bar]]  # vocabulary -> each of its terms, in its order

    @property
    def slug(self) -> str:
        return self.city.slug

    @property
    def name(self) -> str:
        return self.city.name

    def get_absolute_url(self) -> str:
        return self.city.get_absolute_url()

    def funding_in(self, currency: str) -> CurrencyTotal | None:
        return next(
            (t for t in self.funding_by_currency if t.currency == currency), None
        )


@dataclass(frozen=True)
class TermRow:
    """One term of a breakdown, with each city's count (in the comparison's order)."""

    slug: str
    name: str
    cells: list[Bar]


@dataclass(frozen=True)
class CaseBreakdown:
    """The compared cities' published cases by the terms of one vocabulary."""

    vocabulary: Vocabulary
    rows: list[TermRow]
    # Each city's bars, drawn to one scale so that the charts compare.
    charts: list[tuple[ComparedCity, list[Bar]]]
    scale: int

    @property
    def name(self) -> str:
        return self.vocabulary.name

    @property
    def label(self) -> str | Promise:
        return self.vocabulary.label

    @property
    def title(self) -> str | Promise:
        return BREAKDOWN_TITLES[self.vocabulary.name]


@dataclass(frozen=True)
class CurrencyRow:
    """The compared cities' funding programmes in one currency: each city, with its
    total in it (None: the city has no programme in this currency)."""

    currency: str
    pairs: list[tuple[ComparedCity, CurrencyTotal | None]]
    # The chart's bars: each city with an amount in this currency.
    bars: list[dict[str, Any]]
    scale: Decimal


@dataclass(frozen=True)
class Comparison:
    cities: list[ComparedCity]
    breakdowns: list[CaseBreakdown]

    @property
    def names(self) -> list[str]:
        return [city.name for city in self.cities]

    @property
    def currencies(self) -> list[CurrencyRow]:
        codes = sorted({t.currency for c in self.cities for t in c.funding_by_currency})
        rows = []
        for code in codes:
            pairs = [(city, city.funding_in(code)) for city in self.cities]
            recorded = [
                (city, cell)
                for city, cell in pairs
                if cell is not None and cell.amounts_recorded
            ]
            bars: list[dict[str, Any]] = [
                {"name": city.name, "count": cell.total, "label": cell.label}
                for city, cell in recorded
            ]
            scale = max((cell.total for _city, cell in recorded), default=Decimal(0))
            rows.append(CurrencyRow(code, pairs, bars, scale))
        return rows

    @property
    def case_bars(self) -> list[Bar]:
        """Each city's published cases, for the chart of totals."""
        return [city.cases for city in self.cities]

    @property
    def case_scale(self) -> int:
        return max((city.cases.count for city in self.cities), default=0)


def _funding_by_currency(programmes: Sequence[FundingProgramme]) -> list[CurrencyTotal]:
    totals: dict[str, list[Any]] = {}
    for fund in programmes:
        total = totals.setdefault(fund.currency, [Decimal(0), 0, 0])
        total[1] += 1
        if fund.amount is not None:
            total[0] += fund.amount
            total[2] += 1
    return [
        CurrencyTotal(code, amount, count, recorded)
        for code, (amount, count, recorded) in sorted(totals.items())
    ]


def compare(cities: Sequence[City]) -> Comparison:
    """The comparison of `cities` (as `CompareForm` cleans them: with their records),
    in their order: one aggregation of the search index for the case counts, one
    query for the terms of each breakdown, and the records already loaded."""
    counts = counts_by_city([city.slug for city in cities], CASE_BREAKDOWNS)
    vocabularies = [BY_NAME[name] for name in CASE_BREAKDOWNS]
    terms = {v.name: list(v.model._default_manager.all()) for v in vocabularies}
    compared = []
    for city in cities:
        found = counts.get(city.slug, CityCounts(cases=0, by_facet={}))
        teams = list(city.teams.all())
        programmes = list(city.funding_programmes.all())
        compared.append(
            ComparedCity(
                city=city,
                teams=teams,
                labs=[lab for team in teams for lab in team.labs.all()],
                strategies=list(city.strategies.all()),
                funding_programmes=programmes,
                funding_by_currency=_funding_by_currency(programmes),
                cases=Bar(city.slug, city.name, found.cases, _query(city)),
                cases_by={
                    v.name: [
                        Bar(
                            term.slug,
                            term.name,
                            found.by_facet.get(v.name, {}).get(term.slug, 0),
                            _query(city, v.name, term.slug),
                        )
                        for term in terms[v.name]
                    ]
                    for v in vocabularies
                },
            )
        )
    breakdowns = []
    for v in vocabularies:
        charts = [(city, city.cases_by[v.name]) for city in compared]
        breakdowns.append(
            CaseBreakdown(
                vocabulary=v,
                rows=[
                    TermRow(
                        term.slug,
                        term.name,
                        [city.cases_by[v.name][i] for city in compared],
                    )
                    for i, term in enumerate(terms[v.name])
                ],
                charts=charts,
                scale=max((b.count for _c, bars in charts for b in bars), default=0),
            )
        )
    return Comparison(compared, breakdowns)


def _query(city: City, name: str = "", slug: str = "") -> str:
    """The case-list filter of the city's published cases (with a term)."""
    params = {"city": city.slug}
    if name:
        params[name] = slug
    return urlencode(params)


# --- The page's form --------------------------------------------------------------------


def city_options(selected: Sequence[str]) -> list[SafeString]:
    """The <option>s of the page's selects, one list of them for each of MAX_CITIES
    selects, the given choice selected in each: the city list is read and written out
    once (one query), whatever the number of selects."""
    base = format_html_join(
        "", '<option value="{}">{}</option>', City.objects.choices()
    )
    return [_select(base, slug) for slug in _padded(selected)]


def _padded(selected: Sequence[str]) -> list[str]:
    chosen = list(selected)[:MAX_CITIES]
    return chosen + [""] * (MAX_CITIES - len(chosen))


def _select(options: SafeString, slug: str) -> SafeString:
    if not slug:
        return options
    # The value as format_html wrote it (escaped), which no other option shares: a
    # slug is unique.
    tag = format_html('<option value="{}">', slug)
    selected = options.replace(tag, tag[:-1] + " selected>", 1)
    return mark_safe(selected)  # noqa: S308 -- both pieces were escaped by format_html  # nosec B308, B703

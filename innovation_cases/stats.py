"""The Atlas's live statistics, computed from its own records.

These are our figures, not a study's: the survey's findings are stored apart, as cited
`Finding` statements. Only published case studies count. The home page, the insights
page and `/api/v1/stats/` (`SiteStatistics.as_dict()`) show them.

The cases' figures (how many are published, and how many carry each term, country and
start year) come from the search index, which holds the published cases only: one
aggregation request answers all of them (`engine.aggregate`). The database gives what
the index does not hold: the vocabularies (their names and order, terms without cases
included), the countries of the cities, and the counts of cities, teams, labs,
strategies and funding programmes, each one cheap query. Figures are computed on first
access and then kept on the object, so a page that shows only some pays only for those.

No data cache (there was one, `remember` in the former config/cache.py). Measured in-process on
PostgreSQL, median of 15 (`generate_synthetic_data`; the ranges are two runs):

| | 5,000 cases (4,226 published) | 100,000 (85,175 published) |
| --- | --- | --- |
| `as_dict()`, counted by the database (13 queries) | 38-68 ms | 806-880 ms |
| `as_dict()`, counted by the index (12 queries) | 8-17 ms | 24 ms |
| of which the aggregation | 1.5 ms | 13 ms |
| `/`, before / now | 34-44 / 18-28 ms | 396-406 / 34 ms |
| `/insights/`, before / now | 59-85 / 26-47 ms | 864-906 / 42 ms |

A remembered result would now save about 20 ms, once per page and page-cache
generation (the page cache holds the page itself after that): not worth a second
cache and its invalidation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django_countries import countries

from cities.models import City, FundingProgramme, InnovationTeam, Lab, Strategy
from core.models import Driver
from core.vocabularies import BY_NAME, VOCABULARIES, Vocabulary

from .engine.aggregate import Counts, published_counts
from .models import Evidence


@dataclass(frozen=True)
class Share:
    """How many of the `whole` cities with a recorded answer have something.

    `not_recorded` cities, which neither have one recorded nor state they have none
    (`CityQuerySet.with_capacity`), are counted apart, in neither the part nor the
    whole: a city the Atlas knows nothing about is not a city without a team.
    """

    part: int
    whole: int
    not_recorded: int = 0

    @property
    def cities(self) -> int:
        """Every city: those with a recorded answer and those without."""
        return self.whole + self.not_recorded

    @property
    def fraction(self) -> float | None:
        """Between 0 and 1, or None when no city has a recorded answer."""
        return self.part / self.whole if self.whole else None

    @property
    def percent(self) -> int | None:
        """A whole-number percentage rounded half up (1 of 8 is 13), or None."""
        if not self.whole:
            return None
        # Integer arithmetic, so that halves round up exactly and never by float luck.
        return (200 * self.part + self.whole) // (2 * self.whole)

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "whole": self.whole,
            "not_recorded": self.not_recorded,
            "fraction": self.fraction,
            "percent": self.percent,
        }


@dataclass(frozen=True)
class Row:
    """One value of a breakdown and its count of published cases.

    `slug` is the value's key: a term's slug, a country's ISO code, a year. `query` is
    the case-list filter that selects the same cases, e.g. "theme=mobility".
    """

    slug: str
    name: str
    count: int
    query: str
    group: str = ""
    group_name: str = ""


@dataclass(frozen=True)
class Breakdown:
    rows: list[Row]

    @property
    def max_count(self) -> int:
        """The longest bar, to scale a chart by."""
        return max((row.count for row in self.rows), default=0)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class YearBreakdown(Breakdown):
    """Published cases by the year they started; `undated` have no year on record."""

    undated: int = 0


class SiteStatistics:
    """The live figures, each computed on first access (see the module)."""

    # --- Cities and their capacity --------------------------------------------------

    @cached_property
    def _capacity(self) -> dict[str, int]:
        # The rule for each answer (yes, no, not recorded) lives in
        # CityQuerySet.with_capacity().
        return City.objects.with_capacity().aggregate(
            cities=Count("pk"),
            with_team=Count("pk", filter=Q(_has_dedicated_team=True)),
            team_recorded=Count("pk", filter=Q(_has_dedicated_team__isnull=False)),
            with_strategy=Count("pk", filter=Q(_has_formal_strategy=True)),
            strategy_recorded=Count("pk", filter=Q(_has_formal_strategy__isnull=False)),
        )

    @property
    def city_count(self) -> int:
        return self._capacity["cities"]

    def _share(self, part: str, recorded: str) -> Share:
        figures = self._capacity
        return Share(
            figures[part],
            figures[recorded],
            not_recorded=figures["cities"] - figures[recorded],
        )

    @property
    def team_share(self) -> Share:
        """Of the cities with a recorded answer, those with at least one dedicated
        innovation team."""
        return self._share("with_team", "team_recorded")

    @property
    def strategy_share(self) -> Share:
        """Of the cities with a recorded answer, those with an adopted (formal)
        innovation strategy."""
        return self._share("with_strategy", "strategy_recorded")

    # --- Counts -------------------------------------------------------------------------

    @cached_property
    def _cases(self) -> Counts:
        """Every figure of the published cases, from one aggregation of the index."""
        return published_counts()

    @property
    def case_count(self) -> int:
        """Published case studies only."""
        return self._cases.cases

    @cached_property
    def team_count(self) -> int:
        return InnovationTeam.objects.count()

    @cached_property
    def lab_count(self) -> int:
        return Lab.objects.count()

    @cached_property
    def strategy_count(self) -> int:
        """Strategies of every status: a draft strategy is still a public fact."""
        return Strategy.objects.count()

    @cached_property
    def funding_programme_count(self) -> int:
        return FundingProgramme.objects.count()

    # --- Published cases by ... -----------------------------------------------------------

    @cached_property
    def by_vocabulary(self) -> Mapping[str, Breakdown]:
        """Each vocabulary's breakdown by its name (vocabularies.py), made when first
        read: `stats.by_vocabulary.theme` in a template."""
        return _Breakdowns(self._term_breakdown)

    @cached_property
    def by_country(self) -> Breakdown:
        """Every country with a city in the Atlas, by name; zero rows included."""
        counts = self._cases.by_facet["country"]
        codes = City.objects.order_by().values_list("country", flat=True).distinct()
        rows = [
            Row(
                slug=code,
                name=countries.name(code) or code,
                count=counts.get(code, 0),
                query=urlencode({"country": code}),
            )
            for code in codes
        ]
        return Breakdown(sorted(rows, key=lambda row: (row.name, row.slug)))

    @cached_property
    def by_evidence(self) -> Breakdown:
        """Every level of evidence of results, least backed first; zero rows
        included."""
        counts = self._cases.by_facet["evidence"]
        return Breakdown(
            [
                Row(
                    slug=value,
                    name=str(label),
                    count=counts.get(value, 0),
                    query=urlencode({"evidence": value}),
                )
                for value, label in Evidence.choices
            ]
        )

    @cached_property
    def by_year(self) -> YearBreakdown:
        """Years with at least one published case, oldest first."""
        rows = [
            Row(
                slug=str(year),
                name=str(year),
                count=count,
                query=urlencode({"year_min": year, "year_max": year}),
            )
            for year, count in sorted(self._cases.by_year.items())
        ]
        return YearBreakdown(rows, undated=self._cases.undated)

    def _term_breakdown(self, vocabulary: Vocabulary) -> Breakdown:
        """Every term of a vocabulary in its own order, with its published cases: one
        query for the terms. (The drivers are grouped internal/external: Driver.Meta.)"""
        counts = self._cases.by_facet[vocabulary.name]
        return Breakdown(
            [
                Row(
                    slug=term.slug,
                    name=term.name,
                    count=counts.get(term.slug, 0),
                    query=urlencode({vocabulary.name: term.slug}),
                    group=getattr(term, "group", ""),
                    group_name=str(term.get_group_display())
                    if isinstance(term, Driver)
                    else "",
                )
                for term in vocabulary.model._default_manager.all()
            ]
        )

    # --- For an API ---------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Every figure, as plain data (this runs every query)."""
        breakdowns = {
            name: [dataclasses.asdict(row) for row in breakdown]
            for name, breakdown in (
                *((v.name, self.by_vocabulary[v.name]) for v in VOCABULARIES),
                ("evidence", self.by_evidence),
                ("country", self.by_country),
                ("year", self.by_year),
            )
        }
        return {
            "city_count": self.city_count,
            "case_count": self.case_count,
            "team_count": self.team_count,
            "lab_count": self.lab_count,
            "strategy_count": self.strategy_count,
            "funding_programme_count": self.funding_programme_count,
            "team_share": self.team_share.as_dict(),
            "strategy_share": self.strategy_share.as_dict(),
            "cases_by": breakdowns,
            "cases_without_year": self.by_year.undated,
        }


class _Breakdowns(Mapping[str, Breakdown]):
    """The vocabularies' breakdowns by name, each made when first read."""

    def __init__(self, make: Callable[[Vocabulary], Breakdown]) -> None:
        self._make = make
        self._made: dict[str, Breakdown] = {}

    def __getitem__(self, name: str) -> Breakdown:
        if name not in self._made:
            self._made[name] = self._make(BY_NAME[name])
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return (v.name for v in VOCABULARIES)

    def __len__(self) -> int:
        return len(VOCABULARIES)


def site_statistics() -> SiteStatistics:
    """The live figures of the whole Atlas (lazily computed; see SiteStatistics)."""
    return SiteStatistics()

"""The Atlas's live statistics, computed from its own records.

These are our figures, not a study's: the survey's findings are stored apart, as cited
`Finding` statements. Only published case studies count. The website uses this module
now; a REST endpoint can serialise `SiteStatistics.as_dict()` later.

Every figure is one aggregate query (a breakdown included: its terms are annotated with
their count of published cases), so the cost is a fixed number of queries whatever the
size of the data. Figures are computed on first access and then cached on the object,
so a page that shows only the headline figures pays only for those.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django_countries import countries

from cities.models import City, FundingProgramme, InnovationTeam, Lab, Strategy
from config.cache import remember

from .models import (
    Approach,
    CaseStudy,
    Driver,
    InnovationType,
    LifecycleStage,
    Term,
    Theme,
)

PUBLISHED_CASES = Q(cases__status=CaseStudy.Status.PUBLISHED)


def remembered_property[T](method: Callable[[Any], T]) -> cached_property[T]:
    """A cached_property whose value is also remembered until published content
    changes (config.cache.remember), so the home page does not count every case on
    each request."""

    def compute(self: Any) -> T:
        return remember(("site_statistics", method.__name__), lambda: method(self))

    compute.__doc__ = method.__doc__
    return cached_property(compute)


@dataclass(frozen=True)
class Share:
    """How many of `whole` cities have something."""

    part: int
    whole: int

    @property
    def fraction(self) -> float | None:
        """Between 0 and 1, or None when there is no city to divide by."""
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
    """The live figures. Each attribute costs one query, on first access only."""

    # --- Cities and their capacity --------------------------------------------------

    @remembered_property
    def _capacity(self) -> dict[str, int]:
        # The rule for each flag lives in CityQuerySet.with_capacity().
        return City.objects.with_capacity().aggregate(
            cities=Count("pk"),
            with_team=Count("pk", filter=Q(_has_dedicated_team=True)),
            with_strategy=Count("pk", filter=Q(_has_formal_strategy=True)),
        )

    @property
    def city_count(self) -> int:
        return self._capacity["cities"]

    @property
    def team_share(self) -> Share:
        """The share of cities with at least one dedicated innovation team."""
        return Share(self._capacity["with_team"], self._capacity["cities"])

    @property
    def strategy_share(self) -> Share:
        """The share of cities with an adopted (formal) innovation strategy."""
        return Share(self._capacity["with_strategy"], self._capacity["cities"])

    # --- Counts -------------------------------------------------------------------------

    @remembered_property
    def case_count(self) -> int:
        """Published case studies only."""
        return CaseStudy.objects.published().count()

    @remembered_property
    def team_count(self) -> int:
        return InnovationTeam.objects.count()

    @remembered_property
    def lab_count(self) -> int:
        return Lab.objects.count()

    @remembered_property
    def strategy_count(self) -> int:
        """Strategies of every status: a draft strategy is still a public fact."""
        return Strategy.objects.count()

    @remembered_property
    def funding_programme_count(self) -> int:
        return FundingProgramme.objects.count()

    # --- Published cases by ... -----------------------------------------------------------

    @remembered_property
    def by_innovation_type(self) -> Breakdown:
        return _term_breakdown(InnovationType)

    @remembered_property
    def by_driver(self) -> Breakdown:
        """In the vocabulary's order: grouped internal/external (see Driver.Meta)."""
        return _term_breakdown(Driver)

    @remembered_property
    def by_approach(self) -> Breakdown:
        return _term_breakdown(Approach)

    @remembered_property
    def by_theme(self) -> Breakdown:
        return _term_breakdown(Theme)

    @remembered_property
    def by_lifecycle_stage(self) -> Breakdown:
        return _term_breakdown(LifecycleStage)

    @remembered_property
    def by_country(self) -> Breakdown:
        """Every country with a city in the Atlas, by name; zero rows included."""
        counts = (
            City.objects.values_list("country")
            .annotate(count=Count("cases", filter=PUBLISHED_CASES))
            .order_by()
        )
        rows = [
            Row(
                slug=code,
                name=countries.name(code) or code,
                count=count,
                query=urlencode({"country": code}),
            )
            for code, count in counts
        ]
        return Breakdown(sorted(rows, key=lambda row: (row.name, row.slug)))

    @remembered_property
    def by_year(self) -> YearBreakdown:
        """Years with at least one published case, oldest first."""
        counts = dict(
            CaseStudy.objects.published()
            .values_list("year_started")
            .annotate(count=Count("pk"))
            .order_by()
        )
        undated = counts.pop(None, 0)
        rows = [
            Row(
                slug=str(year),
                name=str(year),
                count=count,
                query=urlencode({"year_min": year, "year_max": year}),
            )
            for year, count in sorted(counts.items())
        ]
        return YearBreakdown(rows, undated=undated)

    # --- For an API ---------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Every figure, as plain data (this runs every query)."""
        breakdowns = {
            name: [dataclasses.asdict(row) for row in getattr(self, f"by_{name}")]
            for name in (
                "innovation_type",
                "driver",
                "approach",
                "theme",
                "lifecycle_stage",
                "country",
                "year",
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


def site_statistics() -> SiteStatistics:
    """The live figures of the whole Atlas (lazily computed; see SiteStatistics)."""
    return SiteStatistics()


def _term_breakdown(model: type[Term]) -> Breakdown:
    """Every term of a vocabulary in its own order, with its published cases: 1 query."""
    # Django leaves Meta.ordering out of GROUP BY queries, so it is restated here.
    terms = model._default_manager.annotate(
        case_count=Count("cases", filter=PUBLISHED_CASES)
    ).order_by(*model._meta.ordering)
    return Breakdown(
        [
            Row(
                slug=term.slug,
                name=term.name,
                count=term.case_count,
                query=urlencode({term.filter_param: term.slug}),
                group=getattr(term, "group", ""),
                group_name=str(term.get_group_display())
                if isinstance(term, Driver)
                else "",
            )
            for term in terms
        ]
    )

"""The cases on the pages of the cities app: `{% newest_cases city as newest %}` on a
city's, `{% team_cases team as cases %}` on a team's.

Those pages are cities' views, a layer below the cases, which they cannot import: the
cases come in through these tags.
"""

from __future__ import annotations

from django import template

from cities.models import City, InnovationTeam

from ..engine.cards import Card
from ..engine.search import Filters, Newest
from ..models import CaseStudy

register = template.Library()

# How many of its cases a city's page shows; the case list has the rest.
CITY_PAGE_CASES = 12


@register.simple_tag
def newest_cases(city: City) -> Newest:
    """The newest few, and how many there are: a city with thousands of cases must not
    put thousands of cards on one page. Asked of the engine when first read."""
    return Newest(Filters(city=(city.slug,)), CITY_PAGE_CASES)


@register.simple_tag
def team_cases(team: InnovationTeam) -> list[Card]:
    """The published cases that name the team: a few, from the database."""
    return [
        Card.from_case(case)
        for case in CaseStudy.objects.published().filter(teams=team).for_cards()
    ]

"""A city page's description in schema.org's vocabulary: the city government as a
GovernmentOrganization serving the city, with its innovation teams as its
sub-organisations (a team with a parent team under that team). All of it public:
a city's records are published as soon as they are saved."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import City, InnovationTeam


def place(request: HttpRequest, city: City) -> dict[str, Any]:
    """A city as a schema.org City (an AdministrativeArea) in its country."""
    # django-countries' descriptor gives a Country, which the stubs do not know.
    country: Any = city.country
    found: dict[str, Any] = {
        "@type": "City",
        "name": city.name,
        "url": request.build_absolute_uri(city.get_absolute_url()),
        "containedInPlace": {
            "@type": "Country",
            "name": str(country.name),
            "identifier": country.code,
        },
    }
    if city.latitude is not None and city.longitude is not None:
        found["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(city.latitude),
            "longitude": float(city.longitude),
        }
    return found


def city_government(request: HttpRequest, city: City) -> dict[str, Any]:
    """From the city and its teams as the city page's query prefetched them."""
    teams = list(city.teams.all())
    children: dict[int | None, list[InnovationTeam]] = {}
    known = {team.pk for team in teams}
    for team in teams:
        parent = team.parent_id if team.parent_id in known else None
        children.setdefault(parent, []).append(team)

    def organisation(team: InnovationTeam) -> dict[str, Any]:
        found: dict[str, Any] = {
            "@type": "GovernmentOrganization",
            "name": team.name,
            "url": request.build_absolute_uri(team.get_absolute_url()),
        }
        if team.website:
            found["sameAs"] = team.website
        below = [organisation(child) for child in children.get(team.pk, [])]
        if below:
            found["subOrganization"] = below
        return found

    page = request.build_absolute_uri(request.path)
    government: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "@id": f"{page}#government",
        "url": page,
        "name": city.name,
        "areaServed": place(request, city),
        "subOrganization": [organisation(team) for team in children.get(None, [])],
    }
    if city.website:
        government["sameAs"] = city.website
    if city.summary:
        government["description"] = city.summary
    return government

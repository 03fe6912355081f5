"""The OpenAPI schema's examples of the cities' endpoints: the demo content's records
(demo/content.py) as the API shows them, and the bodies their officers would send.
Declared with `core.api_examples.record_examples` in cities/api.py; checked against
the schema and the API by tests/api/test_schema_examples.py.

The demo content has no strategy: the strategy's examples say they are illustrative.
"""

from __future__ import annotations

from typing import Any

from core.api_examples import api_url, web_url

# When the demo content was loaded, for the timestamps (which no check compares).
LOADED_AT = "2025-11-17T09:00:00+01:00"
# Where each example's values come from, in its summary.
DEMO_CITY = "the demo content's Vienna"
DEMO_DISTRICT = "a district of the demo content's Bologna"
DEMO_TEAM = "the demo content's Vienna team"
DEMO_LAB = "one of the demo content's six Bologna labs"
DEMO_PROGRAMME = "the demo content's Vienna fund"
ILLUSTRATIVE_STRATEGY = "illustrative only, as the demo content has no strategy"


def city_ref(slug: str, name: str, country: str) -> dict[str, Any]:
    return {
        "url": api_url(f"cities/{slug}/"),
        "slug": slug,
        "name": name,
        "country": country,
    }


def ref(collection: str, slug: str, name: str) -> dict[str, Any]:
    """A small nested record: its address, slug and name."""
    return {"url": api_url(f"{collection}/{slug}/"), "slug": slug, "name": name}


VIENNA = city_ref("vienna", "Vienna", "AT")
BOLOGNA = city_ref("bologna", "Bologna", "IT")
IMCO = ref("teams", "imco-vienna", "Innovation Management Coordination Office (IMCO)")
IU = ref("teams", "fondazione-iu-rusconi-ghigi", "Fondazione IU Rusconi Ghigi (IU)")
NAVILE = {
    "url": api_url("districts/bologna/navile/"),
    "slug": "navile",
    "name": "Navile",
}

CITY = {
    **VIENNA,
    "country_name": "Austria",
    "region": "",
    "population": None,
    "latitude": None,
    "longitude": None,
    "website": "",
    "summary": "Vienna's municipal government set up the Innovation Management "
    "Coordination Office (IMCO) to support innovation throughout city hall.",
    "has_dedicated_team": True,
    "has_formal_strategy": None,
    "states_no_team": False,
    "states_no_strategy": False,
    "published_case_count": 1,
    "districts": [],
    "teams": [IMCO],
    "strategies": [],
    "funding_programmes": [
        ref(
            "funding-programmes",
            "imco-innovation-project-funds",
            "Innovation project funds",
        )
    ],
    "web_url": web_url("cities/vienna/"),
    "updated_at": LOADED_AT,
}

DISTRICT = {**NAVILE, "city": BOLOGNA}

_IMCO_MANDATE = (
    "Set up by the municipal government with a remit and a budget to support "
    "innovation throughout city hall. Much of its focus has been on creating a culture "
    "that supports and welcomes new ideas."
)
TEAM_WRITE = {
    "name": IMCO["name"],
    "city": "vienna",
    "kind": "coordination_office",
    "year_established": None,
    "mandate": _IMCO_MANDATE,
    "staff_size": None,
    "website": "",
    "parent": None,
}
TEAM = {
    "url": IMCO["url"],
    "slug": IMCO["slug"],
    **TEAM_WRITE,
    "city": VIENNA,
    "labs": [],
    "web_url": web_url("teams/imco-vienna/"),
    "updated_at": LOADED_AT,
}

LAB_WRITE = {
    "name": "IU lab, Navile",
    "team": IU["slug"],
    "district": "navile",
    "description": "Staff from the municipality and from IU work together to build a "
    "deep understanding of the neighbourhood's needs and to engage citizens in its "
    "development.",
    "municipal_staff_min": 2,
    "municipal_staff_max": 3,
    "partner_staff_min": 2,
    "partner_staff_max": 3,
}
LAB = {
    "url": api_url("labs/iu-lab-navile/"),
    "slug": "iu-lab-navile",
    **LAB_WRITE,
    "team": IU,
    "city": BOLOGNA,
    "district": NAVILE,
    "municipal_staff": "2–3",
    "partner_staff": "2–3",
    "updated_at": LOADED_AT,
}

PROGRAMME_WRITE = {
    "name": "Innovation project funds",
    "city": "vienna",
    "team": IMCO["slug"],
    "description": "City officers are invited to pitch for funds for innovation "
    "projects. Those who take part are trained in innovation and pitching techniques.",
    "amount": 1500000,
    "currency": "EUR",
    "allocation": "pitch_competition",
    "training_offered": True,
    "year": None,
}
PROGRAMME = {
    "url": api_url("funding-programmes/imco-innovation-project-funds/"),
    "slug": "imco-innovation-project-funds",
    **PROGRAMME_WRITE,
    "city": VIENNA,
    "team": IMCO,
    "amount": 1500000.0,
    "updated_at": LOADED_AT,
}

# Illustrative: the demo content holds no strategy, and this one says so.
STRATEGY_WRITE = {
    "title": "Example innovation strategy",
    "city": "vienna",
    "team": IMCO["slug"],
    "status": "draft",
    "adopted_on": None,
    "period_start": None,
    "period_end": None,
    "document_url": "",
    "summary": "An example of a strategy's fields, not a real document: the Atlas's "
    "demo content holds no strategy.",
    "innovation_types": ["enhancement-oriented"],
}
STRATEGY = {
    "url": api_url("strategies/example-innovation-strategy/"),
    "slug": "example-innovation-strategy",
    **STRATEGY_WRITE,
    "city": VIENNA,
    "team": IMCO,
    "innovation_types": [
        {"slug": "enhancement-oriented", "name": "Enhancement-oriented"}
    ],
    "web_url": web_url("strategies/example-innovation-strategy/"),
    "updated_at": LOADED_AT,
}

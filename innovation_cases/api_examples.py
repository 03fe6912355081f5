"""The OpenAPI schema's examples of the cases' endpoints, the vocabularies' and the
statistics: the demo content's records (demo/content.py) as the API shows them, and the
bodies a Vienna officer would send. Declared with `core.api_examples.record_examples`
in innovation_cases/api.py; checked against the schema and the API by
tests/api/test_schema_examples.py.
"""

from __future__ import annotations

from typing import Any

from cities.api_examples import BOLOGNA, IMCO, LOADED_AT, VIENNA
from core.api_examples import api_url, web_url

DEMO_CASE = "the demo content's Vienna case"
DEMO_TERM = "a term of the demo content's Vienna or Bologna case"
DEMO_ORGANISATION = "the demo content's Bologna foundation"
DEMO_STATS = (
    "the demo content's figures; each breakdown lists every term, those without a "
    "case too, shortened here to those with one"
)

_VIENNA_CASE_TEXT = {
    "title": "Vienna's innovation pitch fund for city officers",
    "original_language": "en",
    "summary": "Vienna's Innovation Management Coordination Office (IMCO) invites city "
    "officers to pitch for EUR 1.5 million of funds for innovation projects, and trains "
    "those who take part in innovation and pitching techniques.",
    "challenge": "To support innovation throughout city hall, and to create a culture "
    "that supports and welcomes new ideas.",
    "approach": "- The municipal government set up **IMCO**, with a remit and a budget "
    "to support innovation throughout city hall.\n"
    "- City officers are invited to pitch for **EUR 1.5 million** worth of funds for "
    "innovation projects.\n"
    "- Those taking part are given training in innovation and pitching techniques.",
    "results": "The sources describe the fund and the training. They report no "
    "evaluation of the funded projects.",
    "lessons_learned": "Much of IMCO's focus has been on culture: creating one that "
    "supports and welcomes new ideas, alongside the money to try them.",
    "evidence": "unknown",
    "year_started": None,
    "year_ended": None,
}

# What a Vienna officer sends to record the case (as a new case, submitted for review).
CASE_WRITE: dict[str, Any] = {
    **_VIENNA_CASE_TEXT,
    "status": "submitted",
    "city": "vienna",
    "district": None,
    "teams": [IMCO["slug"]],
    "partners": [],
    "translations": {},
    "innovation_types": ["enhancement-oriented"],
    "drivers": ["management", "organisational-climate"],
    "approaches": [],
    "themes": ["government-capacity"],
    "lifecycle_stage": "generating-ideas",
}

_ARTICLE = {
    "title": "How cities are redefining the future of public innovation",
    "authors": "Ben Rogers (LSE Cities), Matúš Vallo (Mayor of Bratislava) and "
    "André Sobczak (Eurocities)",
    "publisher": "",
    "url": "",
    "published_on": "2025-11-17",
}

CASE: dict[str, Any] = {
    "url": api_url("cases/vienna-innovation-pitch-fund/"),
    "slug": "vienna-innovation-pitch-fund",
    **_VIENNA_CASE_TEXT,
    "status": "published",
    "city": VIENNA,
    "district": None,
    "teams": [IMCO],
    "partners": [],
    "translations": {},
    "innovation_types": [
        {"slug": "enhancement-oriented", "name": "Enhancement-oriented"}
    ],
    "drivers": [
        {"slug": "management", "name": "Management"},
        {"slug": "organisational-climate", "name": "Internal organisational climate"},
    ],
    "approaches": [],
    "themes": [
        {"slug": "government-capacity", "name": "Innovation capacity in government"}
    ],
    "lifecycle_stage": {"slug": "generating-ideas", "name": "Generating ideas"},
    "completeness": 70,
    "image": None,
    "published_at": LOADED_AT,
    "created_at": LOADED_AT,
    "updated_at": LOADED_AT,
    "sources": [
        {
            **_ARTICLE,
            "note": "IMCO, the EUR 1.5 million fund and the training. The "
            "classification by innovation type, approach, theme and stage is the "
            "Atlas's editorial reading of the source.",
        }
    ],
    "web_url": web_url("cases/vienna-innovation-pitch-fund/"),
}

# CASE_WRITE's answer: a new case, submitted, with a slug made from its title; its
# sources are added in the workspace, so it has none yet (and is less complete).
_NEW_SLUG = "viennas-innovation-pitch-fund-for-city-officers"
CASE_CREATED: dict[str, Any] = {
    **CASE,
    "url": api_url(f"cases/{_NEW_SLUG}/"),
    "slug": _NEW_SLUG,
    "status": "submitted",
    "completeness": 55,
    "published_at": None,
    "sources": [],
    "web_url": None,
}

ORGANISATION = {
    "url": api_url("organisations/fondazione-iu-rusconi-ghigi/"),
    "slug": "fondazione-iu-rusconi-ghigi",
    "name": "Fondazione IU Rusconi Ghigi",
    "kind": "foundation",
    "website": "",
    "description": "Independent foundation established by Bologna's city government.",
    "city": BOLOGNA,
}


def _term(path: str, slug: str, name: str, definition: str, position: int) -> dict:
    return {
        "url": api_url(f"{path}/{slug}/"),
        "slug": slug,
        "name": name,
        "definition": definition,
        "position": position,
    }


# One term of each vocabulary, by the vocabulary's name (core/vocabularies.py): one the
# demo's Vienna case has.
TERMS: dict[str, dict[str, Any]] = {
    "innovation_type": {
        **_term(
            "innovation-types",
            "enhancement-oriented",
            "Enhancement-oriented",
            "Improves what already exists: upgrades practices, gains efficiency and "
            "gets better results from existing structures and services. The goal is "
            "known and uncertainty is low.",
            1,
        ),
        "filter_param": "innovation_type",
    },
    "theme": {
        **_term(
            "themes",
            "government-capacity",
            "Innovation capacity in government",
            "Building city hall's own ability to innovate: skills, culture, teams and "
            "funding for new ideas.",
            14,
        ),
        "filter_param": "theme",
    },
    "driver": {
        **_term(
            "drivers",
            "management",
            "Management",
            "Leaders and managers inside the administration who ask for, enable or "
            "protect new ways of working.",
            1,
        ),
        "group": "internal",
        "filter_param": "driver",
    },
    "approach": {
        **_term(
            "approaches",
            "co-production",
            "Citizens' co-production",
            "Citizens take part in producing a public service alongside the public "
            "body that is responsible for it.",
            3,
        ),
        "filter_param": "approach",
    },
    "lifecycle_stage": {
        **_term(
            "lifecycle-stages",
            "generating-ideas",
            "Generating ideas",
            "Gathering and creating ideas that might solve the problem.",
            2,
        ),
        "filter_param": "lifecycle_stage",
    },
}


def _row(
    slug: str,
    name: str,
    count: int,
    parameter: str,
    group: str = "",
    group_name: str = "",
) -> dict[str, Any]:
    """A row of a breakdown of the statistics: `parameter` is the case list's."""
    return {
        "slug": slug,
        "name": name,
        "count": count,
        "query": f"{parameter}={slug}",
        "group": group,
        "group_name": group_name,
    }


STATS: dict[str, Any] = {
    "city_count": 3,
    "case_count": 2,
    "team_count": 2,
    "lab_count": 6,
    "strategy_count": 0,
    "funding_programme_count": 1,
    "team_share": {
        "part": 2,
        "whole": 2,
        "not_recorded": 1,
        "fraction": 1.0,
        "percent": 100,
    },
    "strategy_share": {
        "part": 0,
        "whole": 0,
        "not_recorded": 3,
        "fraction": None,
        "percent": None,
    },
    "cases_by": {
        "innovation_type": [
            _row("enhancement-oriented", "Enhancement-oriented", 1, "innovation_type"),
            _row("adaptive", "Adaptive", 1, "innovation_type"),
        ],
        "theme": [
            _row("neighbourhoods", "Neighbourhoods and new towns", 1, "theme"),
            _row("civic-participation", "Civic participation", 1, "theme"),
            _row(
                "government-capacity", "Innovation capacity in government", 1, "theme"
            ),
        ],
        "driver": [
            _row("management", "Management", 1, "driver", "internal", "Internal"),
            _row(
                "organisational-climate",
                "Internal organisational climate",
                1,
                "driver",
                "internal",
                "Internal",
            ),
        ],
        "approach": [
            _row(
                "partnerships",
                "Partnerships between government, citizens and civil society",
                1,
                "approach",
            ),
            _row("co-production", "Citizens' co-production", 1, "approach"),
        ],
        "lifecycle_stage": [
            _row("generating-ideas", "Generating ideas", 1, "lifecycle_stage"),
            _row("implementing", "Implementing", 1, "lifecycle_stage"),
        ],
        "evidence": [_row("unknown", "Not yet known", 2, "evidence")],
        "country": [
            _row("AT", "Austria", 1, "country"),
            _row("IT", "Italy", 1, "country"),
        ],
        # The demo's cases give no start year.
        "year": [],
    },
    "cases_without_year": 2,
}

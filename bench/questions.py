"""The cold questions of issue 15: list and search questions, each asked once in-process,
never asked before in that process, so that each costs what a visitor's first question
costs (bench/probe.py times them; the report holds their p50 and max to the targets in
bench/endpoints.py).

Every kind of question the public asks: searches of common and rare words, prefixes,
a typo, phrases, OR and exclusions; facet combinations; every sort; deep pages; the
API's lists with the same. `values` are the probe's (the run's word, theme and type);
the rest are fixed, so that every size is asked the same questions.
"""

from __future__ import annotations

WORDS = (
    "innovation",
    "housing",
    "mobility",
    "climate",
    "participatory",
    "evidence",
    "school",
    "energy",
    "youth",
    "data",
    "innovati",
    "particip",
    "digitl",
    '"digital services"',
    "digital -housing",
    "housing OR mobility",
    "garden",
)
THEMES = ("mobility", "climate", "digital-services", "affordable-housing")
TYPES = ("mission-oriented", "adaptive")
ORDERINGS = ("newest", "oldest", "title", "-title", "year", "-year")


def questions(values: dict[str, str], published: int) -> list[str]:
    """At least 50 distinct paths, each a new question; the deep pages are the 50th,
    the 200th and the last of the `published` cases, or as deep as there are."""
    word, theme, itype = values["word"], values["theme"], values["itype"]
    last = max(1, -(-published // 20))
    pages = sorted({min(p, last) for p in (2, 50, 200)} | {last})
    paths = [f"/en/cases/?q={w}" for w in (word, *WORDS)]
    paths += [
        f"/en/cases/?theme={t}&innovation_type={i}" for t in THEMES for i in TYPES
    ]
    paths += [f"/en/cases/?ordering={o}&theme={theme}" for o in ORDERINGS]
    paths += [f"/en/cases/?q={word}&ordering={o}" for o in ("title", "-year")]
    paths += [f"/en/cases/?page={p}" for p in pages]
    paths += [
        f"/en/cases/?q={word}&theme={theme}&innovation_type={itype}&country=DE",
        "/en/cases/?year_min=2010&year_max=2015&q=data",
        "/en/cases/?lifecycle_stage=implementing&driver=technological",
    ]
    paths += [f"/api/v1/cases/?search={w}&theme={theme}" for w in WORDS[:6]]
    paths += [f"/api/v1/cases/?page={p}&ordering=title" for p in pages]
    paths += [f"/api/v1/cases/?search={word}&page=last"]
    paths += [f"/api/v1/cases/?theme={t}&ordering=title" for t in THEMES[1:]]
    return list(dict.fromkeys(paths))


# Asked first, and not timed: what a process does once (opening the index, compiling
# the templates, loading the country names), not what a question costs.
WARM_UP = (
    "/en/cases/?q=zzzwarm&theme=climate&country=FR&innovation_type=adaptive",
    "/en/cases/?page=3&ordering=title",
    "/api/v1/cases/?search=zzzwarm&theme=climate",
)

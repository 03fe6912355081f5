"""The engine's tests: each gets an index directory of its own, and a small corpus."""

import datetime
from typing import Any

import pytest

from cities.models import City
from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from innovation_cases.engine import index as engine_index
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    InnovationTeamFactory,
    SourceFactory,
)
from tests.worlds import fresh_copy, made_once


@pytest.fixture
def index_dir(_a_search_index_of_its_own: Any) -> Any:
    """This test's SEARCH_INDEX_DIR (tests/conftest.py gives each test its own)."""
    return _a_search_index_of_its_own


def _when(year: int, month: int = 1) -> datetime.datetime:
    return datetime.datetime(year, month, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def _module_corpus(django_db_setup: None, django_db_blocker: Any) -> Any:
    with made_once(django_db_blocker):
        yield _make_corpus()


@pytest.fixture
def corpus(_module_corpus: dict[str, CaseStudy], db: Any) -> dict[str, CaseStudy]:
    """Five published cases and a draft, each with words of its own: made once a
    module (tests/worlds.py)."""
    return fresh_copy(_module_corpus)


def _make_corpus() -> dict[str, CaseStudy]:
    malmo = CityFactory(name="Malmö", slug="malmo", country="SE")
    ghent = CityFactory(name="Ghent", slug="ghent", country="BE")
    lyon = CityFactory(name="Lyon", slug="lyon", country="FR")
    term = {
        model: {t.slug: t for t in model.objects.all()}
        for model in [InnovationType, Driver, Approach, Theme, LifecycleStage]
    }
    specs: list[dict[str, Any]] = [
        {
            "key": "budget",
            "title": "Participatory budgeting in Malmö",
            "city": malmo,
            "summary": "Residents decide how to spend part of the city budget.",
            "approach": "An innovation lab ran neighbourhood assemblies.",
            "types": ["adaptive"],
            "themes": ["social-inclusion", "public-spaces"],
            "drivers": ["social"],
            "lifecycle_stage": "implementing",
            "evidence": "reported",
            "year": 2015,
            "published": _when(2020),
        },
        {
            "key": "twin",
            "title": "Digital twin of the harbour",
            "city": ghent,
            "summary": "A digital model of the port, used to plan freight routes.",
            "challenge": "Lorries queued for hours at the locks.",
            "types": ["mission-oriented"],
            "themes": ["mobility"],
            "drivers": ["technological"],
            "lifecycle_stage": "evaluating",
            "evidence": "measured",
            "year": 2018,
            "published": _when(2022),
        },
        {
            "key": "fund",
            "title": "An innovation fund for social startups",
            "city": lyon,
            "summary": "Grants for young firms with a digital idea for the city.",
            "results": "Forty firms were funded; twelve still trade.",
            "types": ["mission-oriented", "adaptive"],
            "themes": ["social-inclusion"],
            "drivers": ["economic"],
            "lifecycle_stage": "implementing",
            "evidence": "evaluated",
            "year": 2010,
            "published": _when(2021),
        },
        {
            "key": "data",
            "title": "Open data portal",
            "city": ghent,
            "summary": "The city publishes its datasets openly, a quiet innovation.",
            "lessons_learned": "Start with the data people ask for.",
            "types": ["enhancement-oriented"],
            "themes": ["digital-services"],
            "drivers": ["political"],
            "lifecycle_stage": None,
            "year": None,
            "published": _when(2019),
        },
        {
            "key": "streets",
            "title": "Zebra crossings near schools",
            "city": malmo,
            "summary": "Safer walking routes for children, drawn with parents.",
            "types": ["enhancement-oriented"],
            "themes": ["mobility", "public-spaces"],
            "drivers": ["social"],
            "lifecycle_stage": "evaluating",
            "year": 2015,
            "published": _when(2023),
        },
    ]
    cases: dict[str, CaseStudy] = {}
    for spec in specs:
        case = CaseStudyFactory(
            title=spec["title"],
            city=spec["city"],
            summary=spec["summary"],
            challenge=spec.get("challenge", ""),
            approach=spec.get("approach", ""),
            results=spec.get("results", ""),
            lessons_learned=spec.get("lessons_learned", ""),
            status=CaseStudy.Status.PUBLISHED,
            published_at=spec["published"],
            year_started=spec["year"],
            lifecycle_stage=term[LifecycleStage].get(spec["lifecycle_stage"] or ""),
            evidence=spec.get("evidence", "unknown"),
        )
        case.innovation_types.set([term[InnovationType][s] for s in spec["types"]])
        case.themes.set([term[Theme][s] for s in spec["themes"]])
        case.drivers.set([term[Driver][s] for s in spec["drivers"]])
        cases[spec["key"]] = case
    # Places are searchable: a district and a team of Ghent's.
    district = DistrictFactory(city=ghent, name="Sint-Amandsberg")
    CaseStudy.objects.filter(pk=cases["data"].pk).update(district=district)
    cases["twin"].teams.set([InnovationTeamFactory(city=ghent, name="Havenlab")])
    # A cited source counts towards completeness (CaseStudy.completeness): streets
    # 25, data 10, twin 35, fund and budget 40.
    SourceFactory(content_object=cases["streets"], title="School route survey")
    cases["draft"] = CaseStudyFactory(
        title="Zanzibar draft about budgeting",
        city=lyon,
        summary="An unpublished zanzibar plan.",
        status=CaseStudy.Status.DRAFT,
    )
    assert City.objects.count() == 3
    return cases


@pytest.fixture
def built(corpus: dict[str, CaseStudy]) -> dict[str, CaseStudy]:
    """The corpus, indexed."""
    engine_index.rebuild()
    return corpus

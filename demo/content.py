"""The demo content: what the two seed documents state about real cities, and nothing more.

Every record here carries at least one citation. Facts the sources do not give (a
city's population or coordinates, a year a team was founded, the exact staff of a lab)
are left empty rather than guessed. Classifying a case by innovation type, approach or
theme is the Atlas's editorial judgement, and each case's sources say so.

`load()` is idempotent: it matches every record on a natural key, saves only what
differs, and reports what it created and changed.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.models import City, District, FundingProgramme, InnovationTeam, Lab
from core.models import Approach, Driver, InnovationType, LifecycleStage, Source, Theme
from innovation_cases.models import CaseStudy, Evidence, Finding, Organisation

ARTICLE = {
    "title": "How cities are redefining the future of public innovation",
    "authors": "Ben Rogers (LSE Cities), Matúš Vallo (Mayor of Bratislava) and "
    "André Sobczak (Eurocities)",
    "publisher": "",
    "url": "",
    "published_on": datetime.date(2025, 11, 17),
}
REPORT = {
    "title": "Public Innovation: building capacity in Europe's city governments",
    "authors": "Nuno F da Cruz, Louise Ellaway, Imogen Hamilton-Jones, Catarina Heeckt "
    "and Ben Rogers",
    "publisher": "LSE Cities, in partnership with Bloomberg Philanthropies and Eurocities",
    "url": "",
    "published_on": None,
}
EUROCITIES_SUMMARY = {
    "title": "Eurocities' summary of the LSE Cities survey of European mayors and "
    "innovation officers",
    "authors": "",
    "publisher": "Eurocities",
    "url": "",
    "published_on": None,
}
TU_DELFT = {
    "title": "4.4.1 Innovation for Urban Transformation (Smart and Sustainable Cities: "
    "New Ways of Digitalization & Governance)",
    "authors": "",
    "publisher": "TU Delft OpenCourseWare",
    "url": "https://online-learning.tudelft.nl/courses/"
    "smart-and-sustainable-cities-new-ways-of-digitalization-and-governance/",
    "published_on": None,
}

BOLOGNA_DISTRICTS = [
    ("borgo-panigale-reno", "Borgo Panigale-Reno"),
    ("navile", "Navile"),
    ("porto-saragozza", "Porto-Saragozza"),
    ("san-donato-san-vitale", "San Donato-San Vitale"),
    ("santo-stefano", "Santo Stefano"),
    ("savena", "Savena"),
]

CLASSIFICATION_NOTE = (
    "The classification by innovation type, approach, theme and stage is the Atlas's "
    "editorial reading of the source."
)


@dataclass
class Report:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        if not self.changed:
            return "Demo content is up to date: nothing created or changed."
        parts = [f"created {n} {name}" for name, n in sorted(self.created.items())]
        parts += [f"updated {n} {name}" for name, n in sorted(self.updated.items())]
        return "Demo content loaded: " + ", ".join(parts) + "."


class _Loader:
    def __init__(self) -> None:
        self.report = Report()
        self._relations_changed: set[models.Model] = set()

    def upsert[M: models.Model](
        self, model: type[M], lookup: dict[str, Any], values: dict[str, Any]
    ) -> M:
        """Get or create by `lookup`; save only the fields whose value differs."""
        label = str(model._meta.verbose_name_plural)
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            self.report.created[label] += 1
            return obj
        changed = [
            name for name, value in values.items() if getattr(obj, name) != value
        ]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.full_clean()
            obj.save()
            self.report.updated[label] += 1
        return obj

    def cite(self, obj: models.Model, source: dict[str, Any], note: str) -> None:
        content_type = ContentType.objects.get_for_model(obj)
        self.upsert(
            Source,
            {
                "content_type": content_type,
                "object_id": obj.pk,
                "title": source["title"],
            },
            {**{k: v for k, v in source.items() if k != "title"}, "note": note},
        )

    def set_m2m(self, obj: models.Model, name: str, values: list[models.Model]) -> None:
        manager = getattr(obj, name)
        if {v.pk for v in values} != set(manager.values_list("pk", flat=True)):
            # Not a version of its own: publish() saves the case once, relations and
            # all, as one version in its history. (simple_history's flag, which no
            # model declares.)
            obj.skip_history_when_saving = True  # type: ignore[attr-defined]
            try:
                manager.set(values)
            finally:
                del obj.skip_history_when_saving  # type: ignore[attr-defined]  # as above
            self._relations_changed.add(obj)
            self.report.updated["links"] += 1

    def publish(self, case: CaseStudy) -> None:
        # The publication date is set once, when the case is first loaded.
        fields = []
        if case.status != CaseStudy.Status.PUBLISHED:
            case.status = CaseStudy.Status.PUBLISHED
            case.published_at = case.published_at or timezone.now()
            fields = ["status", "published_at"]
            self.report.updated["publications"] += 1
        if fields or case in self._relations_changed:
            case._change_reason = "Loaded from the demo content"
            case.save(update_fields=[*fields, "updated_at"])
            self._relations_changed.discard(case)


# The sources the about page names for the demo content, with what each gave it.
ABOUT_SOURCES: list[dict[str, Any]] = [
    {
        **ARTICLE,
        "note": _(
            "The survey's findings, and the Bologna, Vienna and Bratislava records."
        ),
    },
    {
        **REPORT,
        "note": _("The survey's report: its scope and its framework of capacity."),
    },
    {
        **EUROCITIES_SUMMARY,
        "note": _(
            "A summary of the same survey, whose figure for innovation teams "
            "differs from the article's."
        ),
    },
    {
        **TU_DELFT,
        "note": _(
            "The definition of public sector innovation, and the innovation types, "
            "drivers and approaches of the vocabularies."
        ),
    },
]


def load() -> Report:
    with transaction.atomic():
        loader = _Loader()
        _load_organisations(loader)
        _load_findings(loader)
        bologna = _load_bologna(loader)
        vienna = _load_vienna(loader)
        _load_bratislava(loader)
        _load_bologna_case(loader, bologna)
        _load_vienna_case(loader, vienna)
        return loader.report


def _load_organisations(loader: _Loader) -> None:
    for slug, name, kind, note in [
        (
            "lse-cities",
            "LSE Cities",
            Organisation.Kind.RESEARCH,
            "LSE Cities ran the survey of European mayors and innovation officers.",
        ),
        (
            "bloomberg-philanthropies",
            "Bloomberg Philanthropies",
            Organisation.Kind.PHILANTHROPY,
            "Bloomberg Philanthropies partnered with LSE Cities on the survey.",
        ),
        (
            "eurocities",
            "Eurocities",
            Organisation.Kind.NETWORK,
            "Eurocities partnered with LSE Cities on the survey; its Secretary General "
            "co-wrote the article.",
        ),
    ]:
        org = loader.upsert(Organisation, {"slug": slug}, {"name": name, "kind": kind})
        loader.cite(org, ARTICLE, note)


def _load_findings(loader: _Loader) -> None:
    findings: list[tuple[str, str, str, list[tuple[dict[str, Any], str]]]] = [
        (
            "survey-scope",
            Finding.Topic.SCOPE,
            "LSE Cities, in partnership with Bloomberg Philanthropies and Eurocities, "
            "surveyed over 90 European mayors and 65 senior city-hall innovation officers.",
            [(ARTICLE, "As stated in the article."), (REPORT, "The survey's report.")],
        ),
        (
            "mayors-rank-innovation-second",
            Finding.Topic.PRIORITIES,
            "Mayors ranked 'a focus on innovation' as the second most important strategy "
            "to achieve their priorities, after 'sourcing additional central funding for "
            "my city'.",
            [(ARTICLE, "As stated in the article.")],
        ),
        (
            "formal-strategy-more-than-half",
            Finding.Topic.FORMAL_STRATEGY,
            "More than half of the cities surveyed reported having a formal innovation "
            "strategy.",
            [(ARTICLE, "As stated in the article.")],
        ),
        (
            "formal-strategy-over-half-eurocities",
            Finding.Topic.FORMAL_STRATEGY,
            "Over half of the cities have formal innovation strategies.",
            [(EUROCITIES_SUMMARY, "Eurocities' own summary of the same survey.")],
        ),
        (
            "dedicated-teams-61-of-65",
            Finding.Topic.DEDICATED_TEAM,
            "61 of the 65 cities surveyed reported having dedicated innovation teams.",
            [
                (
                    ARTICLE,
                    "As stated in the article: 'the vast majority, 61 cities out of 65'.",
                )
            ],
        ),
        (
            "dedicated-teams-more-than-a-third-eurocities",
            Finding.Topic.DEDICATED_TEAM,
            "More than a third of cities have specific innovation teams.",
            [
                (
                    EUROCITIES_SUMMARY,
                    "Eurocities' own summary of the same survey. It differs from the "
                    "article's figure of 61 of 65; each is cited to its own source.",
                )
            ],
        ),
        (
            "four-capabilities",
            Finding.Topic.OTHER,
            "The report groups a city's capacity to innovate into four parts: leadership, "
            "organisational, analytical and partnership capabilities.",
            [(REPORT, "The report's framework of innovation capacity.")],
        ),
    ]
    for slug, topic, statement, citations in findings:
        finding = loader.upsert(
            Finding, {"slug": slug}, {"topic": topic, "statement": statement}
        )
        for source, note in citations:
            loader.cite(finding, source, note)


def _load_bologna(loader: _Loader) -> City:
    bologna = loader.upsert(
        City,
        {"slug": "bologna"},
        {
            "name": "Bologna",
            "country": "IT",
            "summary": "Bologna's city government established an independent foundation, "
            "Fondazione IU Rusconi Ghigi, as a forum where the public sector, academics, "
            "professionals, business and social entrepreneurs and citizen groups "
            "collaborate on the city's problems.",
        },
    )
    loader.cite(
        bologna, ARTICLE, "Bologna and its six districts, as described in the article."
    )
    districts = {}
    for slug, name in BOLOGNA_DISTRICTS:
        districts[slug] = loader.upsert(
            District, {"city": bologna, "slug": slug}, {"name": name}
        )

    iu = loader.upsert(
        InnovationTeam,
        {"slug": "fondazione-iu-rusconi-ghigi"},
        {
            "city": bologna,
            "name": "Fondazione IU Rusconi Ghigi (IU)",
            "kind": InnovationTeam.Kind.INDEPENDENT_FOUNDATION,
            "mandate": "An independent foundation established by the city government: a "
            "forum for the public sector, academics, professionals, business and social "
            "entrepreneurs and citizen groups to collaborate in solving problems and "
            "improving the city. It fosters innovation with a collaborative, "
            "citizen-centred approach, which it distinguishes from a competitive, "
            "business-led 'smart city' one.",
        },
    )
    loader.cite(iu, ARTICLE, "The foundation, its remit and its approach.")
    for slug, name in BOLOGNA_DISTRICTS:
        lab = loader.upsert(
            Lab,
            {"slug": f"iu-lab-{slug}"},
            {
                "team": iu,
                "district": districts[slug],
                "name": f"IU lab, {name}",
                "description": "Staff from the municipality and from IU work together to "
                "build a deep understanding of the neighbourhood's needs and to engage "
                "citizens in its development.",
                "municipal_staff_min": 2,
                "municipal_staff_max": 3,
                "partner_staff_min": 2,
                "partner_staff_max": 3,
            },
        )
        loader.cite(
            lab,
            ARTICLE,
            "'The IU has established a lab in each of the city's six districts. Each lab "
            "houses two to three staff from the municipality and two to three from the IU.'",
        )
    foundation = loader.upsert(
        Organisation,
        {"slug": "fondazione-iu-rusconi-ghigi"},
        {
            "name": "Fondazione IU Rusconi Ghigi",
            "kind": Organisation.Kind.FOUNDATION,
            "city": bologna,
            "description": "Independent foundation established by Bologna's city government.",
        },
    )
    loader.cite(foundation, ARTICLE, "The foundation, as described in the article.")
    return bologna


def _load_vienna(loader: _Loader) -> City:
    vienna = loader.upsert(
        City,
        {"slug": "vienna"},
        {
            "name": "Vienna",
            "country": "AT",
            "summary": "Vienna's municipal government set up the Innovation Management "
            "Coordination Office (IMCO) to support innovation throughout city hall.",
        },
    )
    loader.cite(vienna, ARTICLE, "Vienna's municipal government and IMCO.")
    imco = loader.upsert(
        InnovationTeam,
        {"slug": "imco-vienna"},
        {
            "city": vienna,
            "name": "Innovation Management Coordination Office (IMCO)",
            "kind": InnovationTeam.Kind.COORDINATION_OFFICE,
            "mandate": "Set up by the municipal government with a remit and a budget to "
            "support innovation throughout city hall. Much of its focus has been on "
            "creating a culture that supports and welcomes new ideas.",
        },
    )
    loader.cite(imco, ARTICLE, "IMCO's remit, budget and focus on culture.")
    fund = loader.upsert(
        FundingProgramme,
        {"slug": "imco-innovation-project-funds"},
        {
            "city": vienna,
            "team": imco,
            "name": "Innovation project funds",
            "description": "City officers are invited to pitch for funds for innovation "
            "projects. Those who take part are trained in innovation and pitching "
            "techniques.",
            "amount": Decimal("1500000.00"),
            "currency": "EUR",
            "allocation": FundingProgramme.Allocation.PITCH_COMPETITION,
            "training_offered": True,
        },
    )
    loader.cite(
        fund,
        ARTICLE,
        "'City officers are invited to pitch for €1.5 million worth of funds for "
        "innovation projects, with those participating given training in innovation and "
        "pitching techniques.'",
    )
    return vienna


def _load_bratislava(loader: _Loader) -> City:
    bratislava = loader.upsert(
        City,
        {"slug": "bratislava"},
        {
            "name": "Bratislava",
            "country": "SK",
            "summary": "Its mayor, Matúš Vallo, co-wrote the November 2025 article on "
            "municipal innovation with LSE Cities and Eurocities.",
        },
    )
    loader.cite(
        bratislava, ARTICLE, "The article's co-author, the Mayor of Bratislava."
    )
    return bratislava


def _terms[T: models.Model](model: type[T], *slugs: str) -> list[T]:
    return list(model._default_manager.filter(slug__in=slugs))


def _load_bologna_case(loader: _Loader, bologna: City) -> None:
    case = loader.upsert(
        CaseStudy,
        {"slug": "bologna-neighbourhood-labs"},
        {
            "title": "Neighbourhood labs in each of Bologna's six districts",
            "city": bologna,
            "summary": "Bologna's city government established an independent foundation, "
            "Fondazione IU Rusconi Ghigi, which runs a lab in each of the city's six "
            "districts. Municipal and foundation staff work side by side to understand "
            "each neighbourhood's needs and engage citizens in its development.",
            "challenge": "The city wanted a forum where the public sector, academics, "
            "professionals, business and social entrepreneurs and citizen groups could "
            "collaborate in solving problems and improving the city: a collaborative, "
            "citizen-centred approach rather than a competitive, business-led "
            "'smart city' one.",
            "approach": "- The city government established an independent foundation, "
            "**Fondazione IU Rusconi Ghigi** (IU).\n"
            "- IU has a lab in each of the city's six districts.\n"
            "- Each lab houses two to three staff from the municipality and two to three "
            "from IU.\n"
            "- The staff build a deep understanding of the needs of each neighbourhood and "
            "engage citizens in its development.",
            "results": "The sources describe how the labs are set up and staffed. They "
            "report no evaluation of their results.",
            "lessons_learned": "The authors of the source article argue that public "
            "innovation is less about a single entrepreneurial leader and more about "
            "harnessing the creativity of civil servants, their business and civil "
            "society partners, citizens and service users.",
            "lifecycle_stage": LifecycleStage.objects.get(slug="implementing"),
            # The sources report no evaluation of the labs' results.
            "evidence": Evidence.UNKNOWN,
        },
    )
    loader.set_m2m(
        case, "teams", [bologna.teams.get(slug="fondazione-iu-rusconi-ghigi")]
    )
    loader.set_m2m(
        case, "partners", _terms(Organisation, "fondazione-iu-rusconi-ghigi")
    )
    loader.set_m2m(case, "innovation_types", _terms(InnovationType, "adaptive"))
    loader.set_m2m(
        case, "approaches", _terms(Approach, "partnerships", "co-production")
    )
    loader.set_m2m(
        case, "themes", _terms(Theme, "neighbourhoods", "civic-participation")
    )
    loader.set_m2m(case, "drivers", [])
    loader.cite(
        case,
        ARTICLE,
        "The foundation, its labs and their staffing. " + CLASSIFICATION_NOTE,
    )
    loader.publish(case)


def _load_vienna_case(loader: _Loader, vienna: City) -> None:
    case = loader.upsert(
        CaseStudy,
        {"slug": "vienna-innovation-pitch-fund"},
        {
            "title": "Vienna's innovation pitch fund for city officers",
            "city": vienna,
            "summary": "Vienna's Innovation Management Coordination Office (IMCO) invites "
            "city officers to pitch for EUR 1.5 million of funds for innovation projects, "
            "and trains those who take part in innovation and pitching techniques.",
            "challenge": "To support innovation throughout city hall, and to create a "
            "culture that supports and welcomes new ideas.",
            "approach": "- The municipal government set up **IMCO**, with a remit and a "
            "budget to support innovation throughout city hall.\n"
            "- City officers are invited to pitch for **EUR 1.5 million** worth of funds "
            "for innovation projects.\n"
            "- Those taking part are given training in innovation and pitching "
            "techniques.",
            "results": "The sources describe the fund and the training. They report no "
            "evaluation of the funded projects.",
            "lessons_learned": "Much of IMCO's focus has been on culture: creating one "
            "that supports and welcomes new ideas, alongside the money to try them.",
            "lifecycle_stage": LifecycleStage.objects.get(slug="generating-ideas"),
            # The sources report no evaluation of the funded projects.
            "evidence": Evidence.UNKNOWN,
        },
    )
    loader.set_m2m(case, "teams", [vienna.teams.get(slug="imco-vienna")])
    loader.set_m2m(case, "partners", [])
    loader.set_m2m(
        case, "innovation_types", _terms(InnovationType, "enhancement-oriented")
    )
    loader.set_m2m(
        case, "drivers", _terms(Driver, "management", "organisational-climate")
    )
    loader.set_m2m(case, "approaches", [])
    loader.set_m2m(case, "themes", _terms(Theme, "government-capacity"))
    loader.cite(
        case,
        ARTICLE,
        "IMCO, the EUR 1.5 million fund and the training. " + CLASSIFICATION_NOTE,
    )
    loader.publish(case)

import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Model, QuerySet
from django.urls import reverse

from cities.models import City, InnovationTeam, Strategy
from core.models import Driver, InnovationType, Theme

from .models import CaseStudy, Organisation


class LanguageSitemap(Sitemap):
    """Each page once per language (/en/..., /de/...), with the other languages' versions
    and the x-default (no prefix: the visitor's own language) as its alternates."""

    i18n = True
    alternates = True
    x_default = True


class CaseSitemap(LanguageSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self) -> QuerySet[CaseStudy]:
        return CaseStudy.objects.published().order_by("pk")

    def lastmod(self, case: CaseStudy) -> datetime.datetime:
        return case.updated_at


class ModelSitemap(LanguageSitemap):
    changefreq = "monthly"

    def __init__(self, model: type[Model]) -> None:
        self.model = model

    def items(self) -> QuerySet:
        return self.model._default_manager.order_by("pk")


class PageSitemap(LanguageSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> list[str]:
        return [
            "innovation_cases:home",
            "innovation_cases:case_list",
            "cities:city_list",
            "cities:team_list",
            "cities:strategy_list",
            "innovation_cases:organisation_list",
            "innovation_cases:type_list",
            "innovation_cases:theme_list",
            "innovation_cases:driver_list",
            "innovation_cases:insights",
            "innovation_cases:about",
        ]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS = {
    "pages": PageSitemap,
    "cases": CaseSitemap,
    "cities": ModelSitemap(City),
    "teams": ModelSitemap(InnovationTeam),
    "strategies": ModelSitemap(Strategy),
    "organisations": ModelSitemap(Organisation),
    "types": ModelSitemap(InnovationType),
    "themes": ModelSitemap(Theme),
    "drivers": ModelSitemap(Driver),
}

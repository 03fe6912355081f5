"""The REST API: the one router, the OpenAPI schema and its documentation pages.

Everything is under /api/v1/ (see docs/api.md); the schema is at /api/schema/, with
Swagger UI at /api/docs/ and Redoc at /api/redoc/, their assets served from our own
static files (drf-spectacular-sidecar's Swagger UI; its Redoc, vendored by `make
vendor-redoc` in static/vendor/redoc/ so that its logo is not fetched from its CDN).
"""

from typing import Any

from django.urls import include, path, re_path, reverse
from django.utils.csp import CSP
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import routers
from rest_framework.settings import api_settings

from cities import api as cities_api
from core.vocabularies import VOCABULARIES
from innovation_cases import api as cases_api
from innovation_cases.exports import LICENCE_URL
from workspace import api as workspace_api
from workspace.importing import KIND_PATTERN as IMPORT_KINDS


class ApiRootView(routers.APIRootView):
    """/api/v1/: a link to every endpoint, and, in the browsable API, what the API is."""

    def get_view_description(self, html: bool = False) -> Any:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        paragraphs = [
            _(
                "Everything published in the Public Innovation Atlas: cities and their "
                "innovation capacity (teams, labs, strategies, funding programmes) and "
                "case studies of public-sector innovation, with the vocabularies that "
                "classify them. Every record is looked up by its slug and links to "
                "related records by URL."
            ),
            _(
                "Anyone may read, without a token. City officers write their own "
                "cities' records with a personal API token from their account page, "
                "sent as “Authorization: Bearer pia_…”."
            ),
            _(
                "Lists are paged (count, next, previous, results; page_size up to "
                "100), except the vocabularies', which are short and come whole. "
                "Errors are RFC 9457 problem documents."
            ),
            _(
                "Requests are limited to %(anon)s a client without a token and "
                "%(user)s a client with one; past the limit the answer is 429 with "
                "Retry-After."
            )
            % {"anon": rates["anon"], "user": rates["user"]},
            _(
                "The content is published under the Creative Commons Attribution 4.0 "
                "licence (CC BY 4.0): cite the Atlas and the sources each record lists."
            ),
        ]
        links = [
            (reverse("api:swagger-ui"), _("The API documentation (Swagger UI)")),
            (reverse("api:redoc"), _("The API reference (Redoc)")),
            (reverse("api:schema"), _("The OpenAPI schema (YAML)")),
            (reverse("api:schema") + "?format=json", _("The OpenAPI schema (JSON)")),
            (LICENCE_URL, _("The CC BY 4.0 licence")),
        ]
        if not html:
            return "\n\n".join(
                [*paragraphs, *(f"{label}: {url}" for url, label in links)]
            )
        return format_html_join("", "<p>{}</p>", ((p,) for p in paragraphs)) + (
            format_html(
                "<ul>{}</ul>",
                format_html_join(
                    "",
                    '<li><a href="{}">{}</a></li>',
                    ((u, label) for u, label in links),
                ),
            )
        )


router = routers.DefaultRouter()
router.APIRootView = ApiRootView
router.include_format_suffixes = False
router.register("cities", cities_api.CityViewSet, basename="city")
router.register("districts", cities_api.DistrictViewSet, basename="district")
router.register("teams", cities_api.InnovationTeamViewSet, basename="team")
router.register("labs", cities_api.LabViewSet, basename="lab")
router.register("strategies", cities_api.StrategyViewSet, basename="strategy")
router.register(
    "funding-programmes",
    cities_api.FundingProgrammeViewSet,
    basename="funding-programme",
)
router.register("cases", cases_api.CaseStudyViewSet, basename="case")
router.register("organisations", cases_api.OrganisationViewSet, basename="organisation")
for vocabulary in VOCABULARIES:
    router.register(
        vocabulary.api_path,
        cases_api.vocabulary_viewset(vocabulary),
        basename=vocabulary.api_basename,
    )

# The documentation pages run the vendored Swagger UI and Redoc, which set inline
# styles and (Redoc) start a worker from a blob: they get a looser policy of their own.
DOCS_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "worker-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

app_name = "api"
urlpatterns = [
    # Before the router's, whose cities/<slug>/ would take "compare" for a city.
    path(
        "v1/cities/compare/", cases_api.CityCompareView.as_view(), name="city-compare"
    ),
    path("v1/", include(router.urls)),
    path("v1/stats/", cases_api.StatsView.as_view(), name="stats"),
    re_path(
        rf"^v1/imports/(?P<kind>{IMPORT_KINDS})/$",
        workspace_api.ImportView.as_view(),
        name="import",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        csp_override(DOCS_CSP)(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="swagger-ui",
    ),
    path(
        "redoc/",
        csp_override(DOCS_CSP)(SpectacularRedocView.as_view(url_name="api:schema")),
        name="redoc",
    ),
]

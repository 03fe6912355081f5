"""The site's URLs: the public pages, the API, accounts, the sitemap and the admin."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from cities.admin_scoping import view_on_site
from core.languages import choose_language
from innovation_cases.sitemaps import SITEMAPS
from innovation_cases.views import (
    case_image,
    catalog_redirect,
    catalog_view,
    robots_txt,
)

urlpatterns = [
    # Before the admin's own: its "view on site" would send an officer to any record.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
    ),
    path("admin/", admin.site.urls),
    path("api/", include("config.api")),
    path("account/", include("accounts.urls")),
    path("workspace/", include("workspace.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # The open data's DCAT-AP catalogue, in no language (each text in all of them).
    path("catalog", catalog_redirect, name="catalog"),
    path("catalog.jsonld", catalog_view, {"format": "jsonld"}, name="catalog_jsonld"),
    path("catalog.ttl", catalog_view, {"format": "ttl"}, name="catalog_ttl"),
    # The language switcher's links: remember the choice, then go to the page in it.
    path("language/<str:code>/", choose_language, name="choose_language"),
]
# The public pages, once for each language: /en/cases/, /de/cases/, ... A path without
# the prefix (/, /cases/) is redirected to the visitor's language (LocaleMiddleware).
urlpatterns += i18n_patterns(
    path("", include("innovation_cases.urls")),
    path("", include("cities.urls")),
)


# The case images' renditions, each request checked against who may see the case
# (innovation_cases/views.py case_image). Without SERVE_MEDIA, something else serves
# MEDIA_ROOT, with no such check: see the README.
if settings.SERVE_MEDIA:
    urlpatterns.append(re_path(r"^media/(?P<path>cases/.*)$", case_image, name="media"))
handler404 = "core.rest.not_found"
# A database failure met in a middleware is a 503 too (core/outage.py).
handler500 = "core.outage.server_error"

"""The site's URLs: the public pages, the API, accounts, the sitemap and the admin."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve

from cities.admin_scoping import view_on_site
from innovation_cases.sitemaps import SITEMAPS
from innovation_cases.views import robots_txt

urlpatterns = [
    # Before the admin's own: its "view on site" would send an officer to any record.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
    ),
    path("admin/", admin.site.urls),
    path("api/", include("config.api")),
    path("account/", include("accounts.urls")),
    path("workspace/", include("innovation_cases.workspace_urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("", include("innovation_cases.urls")),
    path("", include("cities.urls")),
]


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """The case images' renditions, which the site made itself (images.py), from
    MEDIA_ROOT as it is at the time of the request."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(r"^media/(?P<path>cases/.*)$", serve_media, name="media")
    )
handler404 = "config.rest.not_found"

"""The site's URLs: the public pages, the API, accounts, the sitemap and the admin."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from innovation_cases.sitemaps import SITEMAPS
from innovation_cases.views import robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api")),
    path("account/", include("accounts.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("", include("innovation_cases.urls")),
    path("", include("cities.urls")),
]
handler404 = "config.rest.not_found"

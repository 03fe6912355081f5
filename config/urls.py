"""The site's URLs: the public pages of both apps, the sitemap, and the admin."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from innovation_cases.sitemaps import SITEMAPS
from innovation_cases.views import robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("", include("innovation_cases.urls")),
    path("", include("cities.urls")),
]

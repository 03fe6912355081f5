"""The site's URLs: the public pages of both apps, and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("innovation_cases.urls")),
    path("", include("cities.urls")),
]

"""The site's URLs and, after them, the icontains baseline (bench only)."""

from django.urls import path

from bench.views import IcontainsCaseListView
from config.urls import handler404  # noqa: F401 -- the site's own 404
from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    *site_urlpatterns,
    path(
        "bench/icontains-cases/",
        IcontainsCaseListView.as_view(),
        name="bench_icontains_cases",
    ),
]

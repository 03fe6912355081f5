from django.urls import path

from . import views
from .feeds import CaseFeed

app_name = "innovation_cases"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path(
        "cases/export.csv",
        views.CaseExportView.as_view(format="csv"),
        name="case_export_csv",
    ),
    path(
        "cases/export.json",
        views.CaseExportView.as_view(format="json"),
        name="case_export_json",
    ),
    path(
        "cases/export/schema.json",
        views.case_export_schema,
        name="case_export_schema",
    ),
    path("cases/feed.atom", CaseFeed(), name="case_feed"),
    path("cases/<slug:slug>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("types/", views.InnovationTypeListView.as_view(), name="type_list"),
    *(
        path(
            f"cases/<slug:slug>/cite.{format}",
            views.CaseCitationView.as_view(format=format),
            name=f"case_cite_{format}",
        )
        for format in ("bib", "ris", "json")
    ),
    path(
        "types/<slug:slug>/",
        views.InnovationTypeDetailView.as_view(),
        name="type_detail",
    ),
    path("themes/", views.ThemeListView.as_view(), name="theme_list"),
    path("themes/<slug:slug>/", views.ThemeDetailView.as_view(), name="theme_detail"),
    path("drivers/", views.DriverListView.as_view(), name="driver_list"),
    path(
        "drivers/<slug:slug>/", views.DriverDetailView.as_view(), name="driver_detail"
    ),
    path(
        "organisations/",
        views.OrganisationListView.as_view(),
        name="organisation_list",
    ),
    path(
        "organisations/<slug:slug>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path("insights/", views.InsightsView.as_view(), name="insights"),
    # Before the cities app's cities/<slug>/ (config/urls.py includes this app first).
    path("cities/compare/", views.CityCompareView.as_view(), name="city_compare"),
    path("about/", views.AboutView.as_view(), name="about"),
]

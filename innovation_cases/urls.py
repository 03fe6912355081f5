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
    path("cases/feed.atom", CaseFeed(), name="case_feed"),
    path("cases/<slug:slug>/", views.CaseDetailView.as_view(), name="case_detail"),
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
    path("themes/<slug:slug>/", views.ThemeDetailView.as_view(), name="theme_detail"),
    path(
        "drivers/<slug:slug>/", views.DriverDetailView.as_view(), name="driver_detail"
    ),
    path("insights/", views.InsightsView.as_view(), name="insights"),
    path("about/", views.AboutView.as_view(), name="about"),
]

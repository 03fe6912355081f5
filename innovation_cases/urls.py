from django.urls import path

from . import views

app_name = "innovation_cases"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/<slug:slug>/", views.CaseDetailView.as_view(), name="case_detail"),
    path(
        "types/<slug:slug>/",
        views.InnovationTypeDetailView.as_view(),
        name="type_detail",
    ),
    path("themes/<slug:slug>/", views.ThemeDetailView.as_view(), name="theme_detail"),
    path(
        "drivers/<slug:slug>/", views.DriverDetailView.as_view(), name="driver_detail"
    ),
]

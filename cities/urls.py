from django.urls import path

from . import views

app_name = "cities"

urlpatterns = [
    path("cities/", views.CityListView.as_view(), name="city_list"),
    path("cities/<slug:slug>/", views.CityDetailView.as_view(), name="city_detail"),
    path("teams/<slug:slug>/", views.TeamDetailView.as_view(), name="team_detail"),
    path(
        "strategies/<slug:slug>/",
        views.StrategyDetailView.as_view(),
        name="strategy_detail",
    ),
]

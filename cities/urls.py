from django.urls import path

from . import views

app_name = "cities"

urlpatterns = [
    path("cities/", views.CityListView.as_view(), name="city_list"),
    # The map's points (GeoJSON); a slug has no dot, so no city's page is shadowed.
    path("cities/map.geojson", views.CityMapDataView.as_view(), name="city_map_data"),
    path("cities/<slug:slug>/", views.CityDetailView.as_view(), name="city_detail"),
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/<slug:slug>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("strategies/", views.StrategyListView.as_view(), name="strategy_list"),
    path(
        "strategies/<slug:slug>/",
        views.StrategyDetailView.as_view(),
        name="strategy_detail",
    ),
]

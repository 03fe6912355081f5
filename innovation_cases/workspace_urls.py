"""The workspace's routes, under /workspace/."""

from django.urls import path, re_path

from cities import workspace as city_workspace

from . import workspace
from .models import CaseStudy

app_name = "workspace"

# Only the named steps route to a view, so a POST cannot call any other method.
STEP = "|".join(CaseStudy.STEPS)
DECISION = "|".join(workspace.REVISION_DECISIONS)
KIND = city_workspace.KIND_PATTERN

urlpatterns = [
    path("", workspace.dashboard, name="dashboard"),
    path("new/", workspace.case_create, name="case_create"),
    path("cases/<slug:slug>/", workspace.case_detail, name="case_detail"),
    path("cases/<slug:slug>/edit/", workspace.case_edit, name="case_edit"),
    re_path(
        rf"^cases/(?P<slug>[-\w]+)/(?P<step>{STEP})/$",
        workspace.case_step,
        name="case_step",
    ),
    path("cases/<slug:slug>/history/", workspace.case_history, name="case_history"),
    path(
        "cases/<slug:slug>/history/<int:history_id>/restore/",
        workspace.case_restore,
        name="case_restore",
    ),
    path("review/", workspace.review_queue, name="review_queue"),
    # The city profile: teams, labs, strategies and funding programmes.
    path(
        "cities/<slug:city_slug>/",
        city_workspace.city_profile,
        name="city_profile",
    ),
    re_path(
        rf"^cities/(?P<city_slug>[-\w]+)/(?P<kind_key>{KIND})/new/$",
        city_workspace.record_edit,
        name="city_record_create",
    ),
    re_path(
        rf"^cities/(?P<city_slug>[-\w]+)/(?P<kind_key>{KIND})/(?P<slug>[-\w]+)/$",
        city_workspace.record_edit,
        name="city_record_edit",
    ),
    re_path(
        rf"^cities/(?P<city_slug>[-\w]+)/(?P<kind_key>{KIND})/(?P<slug>[-\w]+)/history/$",
        city_workspace.record_history,
        name="city_record_history",
    ),
    path("revisions/<int:pk>/", workspace.revision_detail, name="revision_detail"),
    re_path(
        rf"^revisions/(?P<pk>[0-9]+)/(?P<decision>{DECISION})/$",
        workspace.revision_decide,
        name="revision_decide",
    ),
]

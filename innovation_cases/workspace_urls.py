"""The workspace's routes, under /workspace/."""

from django.urls import path, re_path

from . import workspace

app_name = "workspace"

# Only the named steps route to a view, so a POST cannot call any other method.
STEP = "|".join(workspace.CASE_STEPS)
DECISION = "|".join(workspace.REVISION_DECISIONS)

urlpatterns = [
    path("", workspace.dashboard, name="dashboard"),
    path("cases/<slug:slug>/", workspace.case_detail, name="case_detail"),
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
    path("revisions/<int:pk>/", workspace.revision_detail, name="revision_detail"),
    re_path(
        rf"^revisions/(?P<pk>[0-9]+)/(?P<decision>{DECISION})/$",
        workspace.revision_decide,
        name="revision_decide",
    ),
]

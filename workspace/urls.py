"""The workspace's routes, under /workspace/."""

from django.urls import path, re_path

from innovation_cases.models import CaseStudy

from . import cases, importing, imports, profiles

app_name = "workspace"

# Only the named steps route to a view, so a POST cannot call any other method.
STEP = "|".join(CaseStudy.STEPS)
DECISION = "|".join(cases.REVISION_DECISIONS)
KIND = profiles.KIND_PATTERN
STATEMENT = profiles.STATEMENT_PATTERN
IMPORT_KIND = importing.KIND_PATTERN

urlpatterns = [
    path("", cases.dashboard, name="dashboard"),
    path("new/", cases.case_create, name="case_create"),
    path("cases/<slug:slug>/", cases.case_detail, name="case_detail"),
    path("cases/<slug:slug>/edit/", cases.case_edit, name="case_edit"),
    re_path(
        rf"^cases/(?P<slug>[-\w]+)/(?P<step>{STEP})/$",
        cases.case_step,
        name="case_step",
    ),
    path(
        "cases/<slug:slug>/translations/<str:language>/",
        cases.case_translation,
        name="case_translation",
    ),
    path("cases/<slug:slug>/history/", cases.case_history, name="case_history"),
    path(
        "cases/<slug:slug>/history/<int:history_id>/restore/",
        cases.case_restore,
        name="case_restore",
    ),
    path("review/", cases.review_queue, name="review_queue"),
    # The city profile: teams, labs, strategies and funding programmes.
    path(
        "cities/<slug:city_slug>/",
        profiles.city_profile,
        name="city_profile",
    ),
    re_path(
        rf"^cities/(?P<city_slug>[-\w]+)/statements/(?P<kind_key>{STATEMENT})/$",
        profiles.city_statement,
        name="city_statement",
    ),
    path(
        "cities/<slug:city_slug>/history/",
        profiles.city_history,
        name="city_history",
    ),
    re_path(
        rf"^cities/(?P<city_slug>[-\w]+)/(?P<kind_key>{KIND})/new/$",
        profiles.record_edit,
        name="city_record_create",
    ),
    re_path(
        rf"^cities/(?P<city_slug>[-\w]+)/(?P<kind_key>{KIND})/(?P<slug>[-\w]+)/$",
        profiles.record_edit,
        name="city_record_edit",
    ),
    re_path(
        rf"^cities/(?P<city_slug>[-\w]+)/(?P<kind_key>{KIND})/(?P<slug>[-\w]+)/history/$",
        profiles.record_history,
        name="city_record_history",
    ),
    path("revisions/<int:pk>/", cases.revision_detail, name="revision_detail"),
    # Importing from a spreadsheet (docs/import.md).
    re_path(
        rf"^import/(?P<kind_key>{IMPORT_KIND})/$",
        imports.import_start,
        name="import_start",
    ),
    re_path(
        rf"^import/(?P<kind_key>{IMPORT_KIND})/template\.(?P<fmt>csv|xlsx)$",
        imports.import_template,
        name="import_template",
    ),
    re_path(
        rf"^import/(?P<kind_key>{IMPORT_KIND})/notes\.csv$",
        imports.import_template,
        {"fmt": "notes"},
        name="import_notes",
    ),
    path("import/<uuid:pk>/", imports.import_preview, name="import_preview"),
    path("import/<uuid:pk>/done/", imports.import_summary, name="import_summary"),
    re_path(
        rf"^revisions/(?P<pk>[0-9]+)/(?P<decision>{DECISION})/$",
        cases.revision_decide,
        name="revision_decide",
    ),
]

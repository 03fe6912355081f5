from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericStackedInline
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cities.admin_scoping import (
    CityScopedAdmin,
    CityScopedInline,
    SiteStaffOnlyAdmin,
    is_site_staff,
)

from .models import (
    Approach,
    CaseStudy,
    Driver,
    Finding,
    InnovationType,
    LifecycleStage,
    Organisation,
    Source,
    Term,
    Theme,
)


class SourceInline(CityScopedInline, GenericStackedInline):
    """Citations, on the change page of whatever record they back: whoever may change
    that record may change its sources."""

    model = Source
    extra = 0
    fields = [("title", "publisher"), ("authors", "published_on"), "url", "note"]


class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "case_count"]
    list_editable = ["position"]
    search_fields = ["name", "definition"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Term]:
        return super().get_queryset(request).annotate(_case_count=Count("cases"))

    @admin.display(description=_("cases"), ordering="_case_count")
    def case_count(self, term: Term) -> int:
        return term._case_count


admin.site.register(InnovationType, TermAdmin)
admin.site.register(Approach, TermAdmin)
admin.site.register(Theme, TermAdmin)
admin.site.register(LifecycleStage, TermAdmin)


@admin.register(Driver)
class DriverAdmin(TermAdmin):
    list_display = ["name", "group", "slug", "position", "case_count"]
    list_filter = ["group"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "website"]
    list_filter = ["kind"]
    list_select_related = ["city"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SourceInline]


@admin.register(Source)
class SourceAdmin(SiteStaffOnlyAdmin, SimpleHistoryAdmin):
    """Every citation of the repository, for site staff to read; only superusers write
    here. Officers edit a record's sources on the record's own page (SourceInline), so
    the per-city rule applies to them there, without scoping a generic relation. Each
    source's history (a case's editor adds, changes and removes them) is here too."""

    list_display = ["title", "publisher", "published_on", "content_type", "cited_by"]
    list_filter = ["content_type", "publisher"]
    list_select_related = ["content_type"]
    search_fields = ["title", "publisher", "authors", "note", "url"]
    date_hierarchy = "published_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @admin.display(description=_("cited by"))
    def cited_by(self, source: Source) -> str:
        # One query per row; this list is for curators, paginated at 100.
        return str(source.content_object or "—")


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["statement", "topic"]
    list_filter = ["topic"]
    search_fields = ["statement"]
    inlines = [SourceInline]


@admin.register(CaseStudy)
class CaseStudyAdmin(CityScopedAdmin):
    """Officers write their cities' cases while they are drafts or submitted; the
    status changes through the review workflow, so it is read-only for them here."""

    def restore(self, request: HttpRequest, historical: Any) -> CaseStudy:
        """As the workspace restores: the text and relations, not the review state
        (CaseStudy.restore_version)."""
        case = CaseStudy.objects.get(pk=historical.id)
        case.restore_version(historical, by=request.user)
        return case

    list_display = [
        "title",
        "city",
        "status",
        "year_started",
        "lifecycle_stage",
        "published_at",
    ]
    list_filter = [
        "status",
        "city__country",
        "innovation_types",
        "themes",
        "drivers",
        "lifecycle_stage",
    ]
    list_select_related = ["city", "lifecycle_stage"]
    search_fields = ["title", "summary", "city__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["city", "district", "teams", "partners"]
    filter_horizontal = ["innovation_types", "drivers", "approaches", "themes"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]
    inlines = [SourceInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "city", "district", "summary"]}),
        (
            _("The case"),
            {"fields": ["challenge", "approach", "results", "lessons_learned"]},
        ),
        (
            _("Classification"),
            {
                "fields": [
                    "innovation_types",
                    "drivers",
                    "approaches",
                    "themes",
                    "lifecycle_stage",
                    ("year_started", "year_ended"),
                ]
            },
        ),
        (_("Who"), {"fields": ["teams", "partners"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "published_at",
                    ("created_at", "created_by"),
                    ("updated_at", "updated_by"),
                ]
            },
        ),
    ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: CaseStudy | None = None
    ) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not is_site_staff(request.user):
            fields += ["status", "published_at"]
        return fields

    def has_change_permission(
        self, request: HttpRequest, obj: CaseStudy | None = None
    ) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        # A published or archived case changes through the review workflow (as in
        # the API), except for superusers.
        return (
            obj is None
            or obj.status in CaseStudy.EDITABLE_STATUSES
            or request.user.is_superuser
        )

    def save_model(
        self, request: HttpRequest, obj: CaseStudy, form: ModelForm, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

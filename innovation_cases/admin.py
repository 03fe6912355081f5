from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from cities.admin import SourceInline
from cities.admin_scoping import (
    CityScopedAdmin,
    SiteStaffOnlyAdmin,
)
from cities.models import City
from core.admin import AutocompleteMixin
from core.models import (
    Approach,
    Driver,
    InnovationType,
    LifecycleStage,
    Source,
    Term,
    Theme,
)

from .models import (
    CLASSIFICATION_FIELDS,
    SECTION_FIELDS,
    TRANSLATION_FIELDS,
    CaseStudy,
    Finding,
    InvalidTransition,
    Organisation,
)


class TermAdmin(TranslationAdmin):
    """A term's name and definition in every language (core/translation.py), each
    required."""

    list_display = ["name", "slug", "position", "case_count"]
    list_editable = ["position"]
    search_fields = ["name", "definition"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Term]:
        return super().get_queryset(request).annotate(_case_count=Count("cases"))

    @admin.display(description=_("cases"), ordering="_case_count")
    def case_count(self, term: Term) -> int:
        return term._case_count  # type: ignore[attr-defined]  # get_queryset()'s annotation


admin.site.register(InnovationType, TermAdmin)
admin.site.register(Approach, TermAdmin)
admin.site.register(Theme, TermAdmin)
admin.site.register(LifecycleStage, TermAdmin)


@admin.register(Driver)
class DriverAdmin(TermAdmin):
    list_display = ["name", "group", "slug", "position", "case_count"]
    list_filter = ["group"]


@admin.register(Organisation)
class OrganisationAdmin(AutocompleteMixin, admin.ModelAdmin):
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


# The workflow's steps as the admin's actions, by step (a key of CaseStudy.STEPS).
STEP_ACTIONS = {
    "submit": _("Submit the selected cases for review"),
    "withdraw": _("Withdraw the selected cases (back to draft)"),
    "publish": _("Publish the selected cases"),
    "request_changes": _("Request changes to the selected cases…"),
    "archive": _("Archive the selected cases"),
}


# The action field's name on a case's own page (Django prefixes it with the location).
CASE_PAGE_ACTION = f"{ActionLocation.CHANGE_FORM.value}-action"


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent to each case's officers with the decision."),
    )


def _step_action(name: str) -> Callable[..., HttpResponse | None]:
    def action(
        modeladmin: "CaseStudyAdmin", request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return modeladmin.take_step(request, queryset, name)

    action.__name__ = f"{name}_selected"
    return admin.action(
        description=STEP_ACTIONS[name],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )(action)


@admin.register(CaseStudy)
class CaseStudyAdmin(CityScopedAdmin):
    """Officers write their cities' cases while they are drafts or submitted. The
    status changes only through the review workflow, for everyone, site staff
    included: it is read-only here, and the workflow's steps are the list's actions,
    each taken through the model's method (its check, its Review, its e-mail)."""

    actions = [_step_action(name) for name in CaseStudy.STEPS]

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
        "evidence",
        "published_at",
    ]
    list_filter = [
        "status",
        "city__country",
        "innovation_types",
        "themes",
        "drivers",
        "lifecycle_stage",
        "evidence",
    ]
    list_select_related = ["city", "lifecycle_stage"]
    search_fields = ["title", "summary", "city__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["city", "district", "teams", "partners"]
    filter_horizontal = ["innovation_types", "drivers", "approaches", "themes"]
    readonly_fields = [
        "status",
        "published_at",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    ]
    inlines = [SourceInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "city",
                    "district",
                    "original_language",
                    "summary",
                ]
            },
        ),
        (
            _("The case"),
            {"fields": tuple(SECTION_FIELDS)},
        ),
        # Each language's translation (innovation_cases/translation.py); the original
        # language's columns stay empty (CaseStudy.clean).
        (
            _("Translations"),
            {"classes": ["collapse"], "fields": tuple(TRANSLATION_FIELDS)},
        ),
        (
            _("Classification"),
            {
                "fields": [
                    *CLASSIFICATION_FIELDS,
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

    def get_actions(
        self,
        request: HttpRequest,
        action_location: ActionLocation = ActionLocation.CHANGE_LIST,
    ) -> dict[str, Any]:
        """The reviewers' steps only for users who review some city. In the list and
        on a case's page alike."""
        actions = super().get_actions(request, action_location=action_location)
        if not City.objects.reviewed_by(request.user).exists():
            for step in CaseStudy.STEPS.values():
                if step.by_reviewer:
                    actions.pop(f"{step.name}_selected", None)
        return actions

    def take_step(
        self, request: HttpRequest, queryset: QuerySet[CaseStudy], name: str
    ) -> HttpResponse | None:
        """Take the step on each selected case; say which were moved, and why each
        other one was not. A step that needs a comment asks for it first."""
        comment = ""
        if CaseStudy.STEPS[name].needs_comment:
            form = RequestChangesForm(
                request.POST if "confirm" in request.POST else None
            )
            if not form.is_valid():
                return self._ask_comment(request, queryset, name, form)
            comment = form.cleaned_data["comment"]
        moved, refused = 0, []
        for case in queryset.order_by("title"):
            try:
                case.take_step(name, by=request.user, comment=comment)
            except (PermissionDenied, InvalidTransition, ValidationError) as error:
                reason = "; ".join(getattr(error, "messages", None) or [str(error)])
                refused.append(f"“{case.title}”: {reason}")
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                format_lazy(
                    "{}: {}",
                    STEP_ACTIONS[name].rstrip("…"),
                    ngettext("%(count)d case.", "%(count)d cases.", moved)
                    % {"count": moved},
                ),
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(
                request, format_lazy("{} {}", _("Not done:"), line), messages.ERROR
            )
        return None

    def _ask_comment(
        self,
        request: HttpRequest,
        queryset: QuerySet[CaseStudy],
        name: str,
        form: RequestChangesForm,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": STEP_ACTIONS[name].rstrip("…"),
            "opts": self.model._meta,
            "cases": queryset.select_related("city").order_by("title"),
            "form": form,
            "action": f"{name}_selected",
            # The list's action field, or a case page's (Django prefixes that one).
            "action_field": (
                CASE_PAGE_ACTION if CASE_PAGE_ACTION in request.POST else "action"
            ),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/innovation_cases/casestudy/step_comment.html", context
        )

    # This admin's records are cases (CityScopedAdmin takes any model's).
    def has_change_permission(  # type: ignore[override]
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
        user = cast("User", request.user)  # The admin's pages are for staff users.
        if not change:
            obj.created_by = user
        obj.updated_by = user
        super().save_model(request, obj, form, change)

from typing import Any, cast

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericStackedInline
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.models import Source

# Who sees and changes what here is the per-city rule of cities/models.py, applied as
# cities/admin_scoping.py explains.
from .admin_scoping import (
    CityScopedAdmin,
    CityScopedInline,
    SiteStaffOnlyAdmin,
    is_site_staff,
)
from .models import (
    City,
    CityQuerySet,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Membership,
    Strategy,
)


class SourceInline(CityScopedInline, GenericStackedInline):
    """Citations, on the change page of whatever record they back (here and in
    innovation_cases/admin.py): whoever may change that record may change its
    sources."""

    model = Source
    extra = 0
    fields = [("title", "publisher"), ("authors", "published_on"), "url", "note"]


class DistrictInline(CityScopedInline, admin.TabularInline):
    model = District
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


class MembershipInline(CityScopedInline, admin.TabularInline):
    """Shown to site staff only (see CityAdmin.get_inlines)."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


class TeamInline(CityScopedInline, admin.TabularInline):
    model = InnovationTeam
    extra = 0
    fields = ["name", "slug", "kind", "year_established"]
    prepopulated_fields = {"slug": ["name"]}
    show_change_link = True


class StrategyInline(CityScopedInline, admin.TabularInline):
    model = Strategy
    extra = 0
    fields = ["title", "slug", "status", "adopted_on", "period_start", "period_end"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True


class LabInline(CityScopedInline, admin.TabularInline):
    model = Lab
    extra = 0
    fields = [
        "name",
        "slug",
        "district",
        "municipal_staff_min",
        "municipal_staff_max",
        "partner_staff_min",
        "partner_staff_max",
    ]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["district"]


class FundingProgrammeFormSet(BaseInlineFormSet):
    """A programme added on its team's page belongs to the team's city (the inline
    leaves the city out, and the column may not be empty)."""

    def save_new(self, form: ModelForm, commit: bool = True) -> FundingProgramme:
        form.instance.city_id = self.instance.city_id
        return super().save_new(form, commit)


class FundingProgrammeInline(CityScopedInline, admin.TabularInline):
    model = FundingProgramme
    formset = FundingProgrammeFormSet
    extra = 0
    fields = [
        "name",
        "slug",
        "amount",
        "currency",
        "allocation",
        "training_offered",
        "year",
    ]
    prepopulated_fields = {"slug": ["name"]}
    show_change_link = True


@admin.register(City)
class CityAdmin(CityScopedAdmin):
    list_display = [
        "name",
        "country",
        "region",
        "population",
        "team_count",
        "has_dedicated_team",
        "has_formal_strategy",
    ]
    list_filter = ["country"]
    search_fields = ["name", "region"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [
        DistrictInline,
        TeamInline,
        StrategyInline,
        MembershipInline,
        SourceInline,
    ]

    # An officer sees the cities they are a member of, and changes those they are an
    # officer of; only superusers add or delete a city.
    city_field = "pk"

    def get_queryset(self, request: HttpRequest) -> QuerySet[City]:
        return (
            # City's default manager's: a CityQuerySet.
            cast(CityQuerySet, super().get_queryset(request))
            .with_capacity()
            .annotate(_team_count=Count("teams", distinct=True))
            # A GROUP BY drops the default ordering; the autocomplete pages need one.
            .order_by(*City._meta.ordering)  # type: ignore[misc]  # City's Meta has one
        )

    def get_inlines(
        self, request: HttpRequest, obj: City | None
    ) -> list[Any] | tuple[Any, ...]:
        inlines = super().get_inlines(request, obj)
        if is_site_staff(request.user):
            return inlines
        # Officers must not make anyone (themselves included) a member of a city.
        return [inline for inline in inlines if inline is not MembershipInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def check_city_is_editable(self, request: HttpRequest, obj: Any) -> None:
        if obj.pk is None:
            return  # A new city: has_add_permission() has decided.
        super().check_city_is_editable(request, obj)

    @admin.display(description=_("teams"), ordering="_team_count")
    def team_count(self, city: City) -> int:
        return city._team_count  # type: ignore[attr-defined]  # get_queryset()'s annotation

    # None (no team recorded and none stated: not recorded) shows as "unknown".
    @admin.display(description=_("dedicated team"), boolean=True)
    def has_dedicated_team(self, city: City) -> bool | None:
        return city.has_dedicated_team

    @admin.display(description=_("formal strategy"), boolean=True)
    def has_formal_strategy(self, city: City) -> bool | None:
        return city.has_formal_strategy


@admin.register(District)
class DistrictAdmin(CityScopedAdmin):
    list_display = ["name", "city"]
    list_filter = [("city", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["city"]
    search_fields = ["name", "city__name"]
    autocomplete_fields = ["city"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(InnovationTeam)
class InnovationTeamAdmin(CityScopedAdmin):
    list_display = ["name", "city", "kind", "year_established", "staff_size"]
    list_filter = ["kind", "city__country"]
    list_select_related = ["city"]
    search_fields = ["name", "city__name", "mandate"]
    autocomplete_fields = ["city", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LabInline, FundingProgrammeInline, SourceInline]


@admin.register(Lab)
class LabAdmin(CityScopedAdmin):
    city_field = "team__city"  # As LabQuerySet.city_field.
    list_display = ["name", "team", "district", "municipal_staff", "partner_staff"]
    list_filter = [("team", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["team", "team__city", "district", "district__city"]
    search_fields = ["name", "team__name", "district__name"]
    autocomplete_fields = ["team", "district"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SourceInline]


@admin.register(Strategy)
class StrategyAdmin(CityScopedAdmin):
    list_display = [
        "title",
        "city",
        "status",
        "adopted_on",
        "period_start",
        "period_end",
    ]
    list_filter = ["status", "city__country"]
    list_select_related = ["city"]
    search_fields = ["title", "summary", "city__name"]
    autocomplete_fields = ["city", "team"]
    filter_horizontal = ["innovation_types"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SourceInline]


@admin.register(FundingProgramme)
class FundingProgrammeAdmin(CityScopedAdmin):
    list_display = ["name", "city", "team", "amount", "currency", "allocation", "year"]
    list_filter = ["allocation", "training_offered", "currency"]
    list_select_related = ["city", "team", "team__city"]
    search_fields = ["name", "description", "city__name", "team__name"]
    autocomplete_fields = ["city", "team"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SourceInline]


@admin.register(Membership)
class MembershipAdmin(SiteStaffOnlyAdmin):
    """Site staff alone decide who is an officer or a reviewer of which city."""

    list_display = ["user", "city", "role", "created_at"]
    list_filter = ["role", "city__country"]
    search_fields = ["user__username", "user__email", "city__name"]
    autocomplete_fields = ["user", "city"]
    list_select_related = ["user", "city"]

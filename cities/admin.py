from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from innovation_cases.admin import SourceInline

from .models import (
    City,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Membership,
    Strategy,
)


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


class TeamInline(admin.TabularInline):
    model = InnovationTeam
    extra = 0
    fields = ["name", "slug", "kind", "year_established"]
    prepopulated_fields = {"slug": ["name"]}
    show_change_link = True


class StrategyInline(admin.TabularInline):
    model = Strategy
    extra = 0
    fields = ["title", "slug", "status", "adopted_on", "period_start", "period_end"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True


class LabInline(admin.TabularInline):
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


class FundingProgrammeInline(admin.TabularInline):
    model = FundingProgramme
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
class CityAdmin(admin.ModelAdmin):
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[City]:
        return (
            super()
            .get_queryset(request)
            .with_capacity()
            .annotate(_team_count=Count("teams", distinct=True))
        )

    @admin.display(description=_("teams"), ordering="_team_count")
    def team_count(self, city: City) -> int:
        return city._team_count

    @admin.display(description=_("dedicated team"), boolean=True)
    def has_dedicated_team(self, city: City) -> bool:
        return city.has_dedicated_team

    @admin.display(description=_("formal strategy"), boolean=True)
    def has_formal_strategy(self, city: City) -> bool:
        return city.has_formal_strategy


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "city"]
    list_filter = [("city", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["city"]
    search_fields = ["name", "city__name"]
    autocomplete_fields = ["city"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(InnovationTeam)
class InnovationTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "kind", "year_established", "staff_size"]
    list_filter = ["kind", "city__country"]
    list_select_related = ["city"]
    search_fields = ["name", "city__name", "mandate"]
    autocomplete_fields = ["city", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LabInline, FundingProgrammeInline, SourceInline]


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "district", "municipal_staff", "partner_staff"]
    list_filter = [("team", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["team", "team__city", "district", "district__city"]
    search_fields = ["name", "team__name", "district__name"]
    autocomplete_fields = ["team", "district"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SourceInline]


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
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
class FundingProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "team", "amount", "currency", "allocation", "year"]
    list_filter = ["allocation", "training_offered", "currency"]
    list_select_related = ["city", "team", "team__city"]
    search_fields = ["name", "description", "city__name", "team__name"]
    autocomplete_fields = ["city", "team"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SourceInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "city", "role", "created_at"]
    list_filter = ["role", "city__country"]
    search_fields = ["user__username", "user__email", "city__name"]
    autocomplete_fields = ["user", "city"]
    list_select_related = ["user", "city"]

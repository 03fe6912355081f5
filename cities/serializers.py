"""How the API shows cities and their capacity, and reads what officers write.

Related records are written as slugs and read as small objects (`core.rest.RefField`).
No internal id and no user's email is ever in a response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import serializers

from core.fields import field_list
from core.rest import (
    KnownFieldsMixin,
    ModelCleanMixin,
    OneVersionPerWriteMixin,
    RefField,
    WebUrlField,
)

from .models import (
    City,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Strategy,
    unique_slug,
)

if TYPE_CHECKING:
    from django.db.models import Model

    # What SlugFromNameMixin is mixed into, for the checker.
    _ModelSerializer = serializers.ModelSerializer[Any]
else:
    _ModelSerializer = object

# --- Small nested objects --------------------------------------------------------------


class CityRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:city-detail", lookup_field="slug"
    )

    class Meta:
        model = City
        fields = ["url", "slug", "name", "country"]


class DistrictKeyField(serializers.HyperlinkedIdentityField):
    """A district is known by its city and its own slug: /districts/bologna/navile/."""

    def get_url(self, obj: Any, view_name: str, request: Any, format: Any) -> str:
        return self.reverse(
            view_name,
            kwargs={"key": f"{obj.city.slug}/{obj.slug}"},
            request=request,
            format=format,
        )


class DistrictRefSerializer(serializers.ModelSerializer):
    url = DistrictKeyField(view_name="api:district-detail")

    class Meta:
        model = District
        fields = ["url", "slug", "name"]


class DistrictRefField(RefField):
    """A district, written as its slug within the record's city (a district's slug is
    unique only there) and read as a small object. The serializer resolves the slug
    with `resolve_district()` once it knows the city."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", District.objects.all())
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault(
            "help_text", "The slug of a district of the record's city, or null."
        )
        super().__init__(DistrictRefSerializer, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return self.clean_slug(data)


def resolve_district(attrs: dict[str, Any], city: City | None) -> None:
    """Replace the district's slug in `attrs` by the district of that name in `city`."""
    slug = attrs.get("district")
    if not isinstance(slug, str):
        return
    district = District.objects.filter(city=city, slug=slug).first() if city else None
    if district is None:
        name = city.name if city else "The city"
        raise serializers.ValidationError(
            {"district": [f"{name} has no district with the slug “{slug}”."]}
        )
    attrs["district"] = district


class TeamRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:team-detail", lookup_field="slug"
    )

    class Meta:
        model = InnovationTeam
        fields = ["url", "slug", "name"]


class LabRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:lab-detail", lookup_field="slug"
    )

    class Meta:
        model = Lab
        fields = ["url", "slug", "name"]


class StrategyRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:strategy-detail", lookup_field="slug"
    )

    class Meta:
        model = Strategy
        fields = ["url", "slug", "title", "status"]


class FundingProgrammeRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:funding-programme-detail", lookup_field="slug"
    )

    class Meta:
        model = FundingProgramme
        fields = ["url", "slug", "name"]


class TermRefSerializer(serializers.Serializer):
    """A term of a vocabulary: its slug (the filter value) and its name."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


# --- Records written by officers ----------------------------------------------------------


class SlugFromNameMixin(_ModelSerializer):
    """`slug` may be left out when creating: it is made from the name (or title), with
    a number added if another record has it already."""

    slug_source = "name"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("slug"):
            model: type[Model] = self.Meta.model
            attrs["slug"] = unique_slug(model, attrs.get(self.slug_source, ""))
        return attrs


class CitySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:city-detail", lookup_field="slug"
    )
    country_name = serializers.CharField(source="country.name", read_only=True)
    website = serializers.URLField(read_only=True, allow_blank=True)
    # The rule for each answer: CityQuerySet.with_capacity.
    has_dedicated_team = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="true when an innovation team of the city is recorded; false when "
        "the city states it has none (`states_no_team`); null when neither: not "
        "recorded, which is not “no”.",
    )
    has_formal_strategy = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="true when an adopted strategy of the city is recorded; false when "
        "the city states it has none (`states_no_strategy`); null when neither: not "
        "recorded, which is not “no”.",
    )
    published_case_count = serializers.IntegerField(read_only=True)
    districts = DistrictRefSerializer(many=True, read_only=True)
    teams = TeamRefSerializer(many=True, read_only=True)
    strategies = StrategyRefSerializer(many=True, read_only=True)
    funding_programmes = FundingProgrammeRefSerializer(many=True, read_only=True)
    web_url = WebUrlField()

    class Meta:
        model = City
        fields = [
            "url",
            "slug",
            "name",
            "country",
            "country_name",
            "region",
            "population",
            "latitude",
            "longitude",
            "website",
            "summary",
            "has_dedicated_team",
            "has_formal_strategy",
            *City.STATEMENTS.values(),
            "published_case_count",
            "districts",
            "teams",
            "strategies",
            "funding_programmes",
            "web_url",
            "updated_at",
        ]
        read_only_fields = fields
        # The statements are written by the city's officers in the workspace's city
        # profile (and in the admin), not through the API.
        extra_kwargs = {
            "states_no_team": {
                "help_text": "Whether the city states it has no dedicated innovation "
                "team. A recorded team takes precedence in `has_dedicated_team`."
            },
            "states_no_strategy": {
                "help_text": "Whether the city states it has no formal innovation "
                "strategy. A recorded adopted strategy takes precedence in "
                "`has_formal_strategy`."
            },
        }


class DistrictSerializer(serializers.ModelSerializer):
    url = DistrictKeyField(view_name="api:district-detail")
    city = CityRefSerializer(read_only=True)

    class Meta:
        model = District
        fields = ["url", "slug", "name", "city"]
        read_only_fields = fields


class InnovationTeamSerializer(
    KnownFieldsMixin, ModelCleanMixin, SlugFromNameMixin, serializers.ModelSerializer
):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:team-detail", lookup_field="slug"
    )
    city = RefField(CityRefSerializer, queryset=City.objects.all())
    # A field, which DRF's metaclass takes out of the class: Field.parent (the
    # serializer a field is bound to) stays as it is, whatever django-stubs reads here.
    parent = RefField(  # type: ignore[assignment]
        TeamRefSerializer,
        queryset=InnovationTeam.objects.all(),
        required=False,
        allow_null=True,
    )
    labs = LabRefSerializer(many=True, read_only=True)
    web_url = WebUrlField()

    class Meta:
        model = InnovationTeam
        fields = [
            "url",
            "slug",
            *field_list(InnovationTeam.FIELDS),
            "labs",
            "web_url",
            "updated_at",
        ]
        extra_kwargs = {"slug": {"required": False}}


class LabSerializer(
    KnownFieldsMixin, ModelCleanMixin, SlugFromNameMixin, serializers.ModelSerializer
):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:lab-detail", lookup_field="slug"
    )
    team = RefField(TeamRefSerializer, queryset=InnovationTeam.objects.all())
    city = CityRefSerializer(source="team.city", read_only=True)
    district = DistrictRefField()
    municipal_staff = serializers.CharField(read_only=True)
    partner_staff = serializers.CharField(read_only=True)

    class Meta:
        model = Lab
        fields = [
            "url",
            "slug",
            # The team's city, shown (a lab's city is its team's).
            *field_list(Lab.FIELDS, add_after={"team": ["city"]}),
            "municipal_staff",
            "partner_staff",
            "updated_at",
        ]
        extra_kwargs = {"slug": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        team = attrs.get("team") or getattr(self.instance, "team", None)
        resolve_district(attrs, team.city if team else None)
        return super().validate(attrs)


class StrategySerializer(
    KnownFieldsMixin,
    OneVersionPerWriteMixin,
    ModelCleanMixin,
    SlugFromNameMixin,
    serializers.ModelSerializer,
):
    slug_source = "title"
    url = serializers.HyperlinkedIdentityField(
        view_name="api:strategy-detail", lookup_field="slug"
    )
    city = RefField(CityRefSerializer, queryset=City.objects.all())
    team = RefField(
        TeamRefSerializer,
        queryset=InnovationTeam.objects.all(),
        required=False,
        allow_null=True,
    )
    innovation_types = RefField(
        TermRefSerializer,
        # (related_model is InnovationType, typed as any model.)
        queryset=Strategy.innovation_types.field.related_model.objects.all(),  # type: ignore[attr-defined]
        many=True,
        required=False,
    )
    web_url = WebUrlField()

    class Meta:
        model = Strategy
        fields = ["url", "slug", *field_list(Strategy.FIELDS), "web_url", "updated_at"]
        extra_kwargs = {"slug": {"required": False}}


class FundingProgrammeSerializer(
    KnownFieldsMixin, ModelCleanMixin, SlugFromNameMixin, serializers.ModelSerializer
):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:funding-programme-detail", lookup_field="slug"
    )
    city = RefField(CityRefSerializer, queryset=City.objects.all())
    team = RefField(
        TeamRefSerializer,
        queryset=InnovationTeam.objects.all(),
        required=False,
        allow_null=True,
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}$",
        required=False,
        help_text="ISO 4217 code in capitals, e.g. EUR.",
    )

    class Meta:
        model = FundingProgramme
        fields = ["url", "slug", *field_list(FundingProgramme.FIELDS), "updated_at"]
        extra_kwargs = {"slug": {"required": False}}

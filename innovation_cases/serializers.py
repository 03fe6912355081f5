"""How the API shows case studies, vocabularies and organisations, and reads what
officers write. Related records are written as slugs and read as small objects."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from cities.models import City, FundingProgramme, InnovationTeam, Lab, Strategy
from cities.serializers import (
    CityRefSerializer,
    DistrictRefField,
    SlugFromNameMixin,
    TeamRefSerializer,
    TermRefSerializer,
    resolve_district,
)
from core.fields import field_list
from core.language_names import unknown_language
from core.models import (
    Approach,
    Driver,
    InnovationType,
    LifecycleStage,
    Source,
    Term,
    Theme,
)
from core.rest import (
    Conflict,
    KnownFieldsMixin,
    ModelCleanMixin,
    OneVersionPerWriteMixin,
    RefField,
    WebUrlField,
    WritableChoiceField,
    text_only,
)
from core.vocabularies import VOCABULARIES

from .models import (
    LANGUAGE_CODES,
    TEXT_FIELDS,
    CaseStudy,
    Organisation,
    translation_field,
)


class OrganisationRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = ["url", "slug", "name"]


class SourceSerializer(serializers.ModelSerializer):
    """A citation: the document that backs a record."""

    url = serializers.URLField(read_only=True, allow_blank=True)

    class Meta:
        model = Source
        fields = ["title", "authors", "publisher", "url", "published_on", "note"]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )
    city = CityRefSerializer(read_only=True, allow_null=True)
    website = serializers.URLField(read_only=True, allow_blank=True)

    class Meta:
        model = Organisation
        fields = ["url", "slug", "name", "kind", "website", "description", "city"]
        read_only_fields = fields


def term_serializer(model: type[Term], view_name: str) -> type[serializers.Serializer]:
    """The serializer of one vocabulary's terms: slug, name, definition, and the link
    to the case list filtered by the term."""
    extra = ["group"] if model is Driver else []

    class TermSerializer(serializers.ModelSerializer):
        url = serializers.HyperlinkedIdentityField(
            view_name=view_name, lookup_field="slug"
        )
        filter_param = serializers.CharField(
            read_only=True,
            help_text="The case-list parameter that selects this term's cases.",
        )

        class Meta:
            fields = ["url", "slug", "name", "definition", "position", *extra]
            fields += ["filter_param"]
            read_only_fields = fields

    TermSerializer.Meta.model = model
    TermSerializer.__name__ = f"{model.__name__}Serializer"
    TermSerializer.__qualname__ = TermSerializer.__name__
    return TermSerializer


# Each vocabulary's, by its name (vocabularies.py).
TERM_SERIALIZERS = {
    v.name: term_serializer(v.model, f"api:{v.api_basename}-detail")
    for v in VOCABULARIES
}


class RenditionSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text=(
            "A WebP rendition of the image, of exactly this width and height. Public "
            "for a published case; for any other, served only to a member of the "
            "case's city signed in to the site (not on an API token)."
        )
    )
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class CaseImageSerializer(serializers.Serializer):
    """A case's image: its description, credit, and web-sized WebP renditions."""

    alt = serializers.CharField(
        source="image_alt", help_text="What the image shows, as alternative text."
    )
    credit = serializers.CharField(source="image_credit")
    renditions = serializers.SerializerMethodField(
        help_text="Smallest first; the last is the largest, at most 1600 px wide."
    )

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, case: CaseStudy) -> list[dict[str, Any]]:
        request = self.context.get("request")
        return [
            {
                "url": request.build_absolute_uri(r.url) if request else r.url,
                "width": r.width,
                "height": r.height,
            }
            for r in case.image_renditions
        ]


class CaseImageField(serializers.Field):
    """The case's image (read only; images are uploaded in the workspace), or null."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, case: CaseStudy) -> dict[str, Any] | None:
        if not case.image:
            return None
        return CaseImageSerializer(case, context=self.context).data


extend_schema_field(CaseImageSerializer(allow_null=True, read_only=True))(
    CaseImageField
)


# A text that takes only a JSON string (core.rest.text_only).
_Text = text_only(serializers.CharField)


class CaseTranslationSerializer(serializers.Serializer):
    """A case's text in one language other than its original."""

    title = _Text(max_length=250)
    summary = _Text()
    challenge = _Text(required=False, allow_blank=True, default="")
    approach = _Text(required=False, allow_blank=True, default="")
    results = _Text(required=False, allow_blank=True, default="")
    lessons_learned = _Text(required=False, allow_blank=True, default="")


class CaseTranslationsField(serializers.Field):
    """A case's translations, by language: {"de": {"title": ..., "summary": ...}}.

    Read: each language the case is translated into. Written: each language named is
    given that translation (its title and summary required, a section left out is
    not translated), or none if null; a language not named keeps its own. The
    original's language takes none: its text is the case's own fields."""

    default_error_messages = {
        "not_a_dict": _("Give an object of translations, by language."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", required=False)
        super().__init__(**kwargs)

    def to_representation(self, case: CaseStudy) -> dict[str, dict[str, str]]:
        return case.translations()

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_a_dict")
        columns: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for language, given in data.items():
            if language not in LANGUAGE_CODES:
                errors[language] = [unknown_language(language)]
                continue
            if given is None:
                values = dict.fromkeys(TEXT_FIELDS, None)
            else:
                serializer = CaseTranslationSerializer(data=given)
                if not serializer.is_valid():
                    errors[language] = serializer.errors
                    continue
                values = {
                    name: serializer.validated_data[name] or None
                    for name in TEXT_FIELDS
                }
            for name, value in values.items():
                columns[translation_field(name, language)] = value
        if errors:
            raise serializers.ValidationError(errors)
        return columns


extend_schema_field(
    inline_serializer(
        "CaseTranslations",
        {
            code: CaseTranslationSerializer(allow_null=True, required=False)
            for code in LANGUAGE_CODES
        },
        help_text=(
            "The case's translations, by language. Written: each language named gets "
            "that translation, or none if null; the others keep theirs. The original "
            "language takes none: its text is the case's own fields."
        ),
    )
)(CaseTranslationsField)


def _terms(model: type[Term], **kwargs: Any) -> RefField:
    kwargs.setdefault("many", True)
    kwargs.setdefault("required", False)
    return RefField(TermRefSerializer, queryset=model._default_manager.all(), **kwargs)


# A translation's column, by its name in a model's error ("title_de": ("de", "title")).
_TRANSLATION_COLUMNS = {
    translation_field(name, language): (language, name)
    for language in LANGUAGE_CODES
    for name in TEXT_FIELDS
}


def _translation_errors_flat(errors: dict[str, Any]) -> dict[str, Any]:
    """The errors about translations, each under the path of what it is about, as
    every other error of the API is under its field: "translations.de.summary" (a
    model's error names the column, "summary_de"; the field's errors are nested)."""
    flat: dict[str, Any] = {}
    for key, messages in errors.items():
        if key in _TRANSLATION_COLUMNS:
            language, name = _TRANSLATION_COLUMNS[key]
            flat[f"translations.{language}.{name}"] = messages
        elif key == "translations" and isinstance(messages, dict):
            for language, inner in messages.items():
                if isinstance(inner, dict):
                    for name, found in inner.items():
                        flat[f"translations.{language}.{name}"] = found
                else:
                    flat[f"translations.{language}"] = inner
        else:
            flat[key] = messages
    return flat


class CaseStudySerializer(
    KnownFieldsMixin,
    OneVersionPerWriteMixin,
    ModelCleanMixin,
    SlugFromNameMixin,
    serializers.ModelSerializer,
):
    """A case study. Officers write drafts, or submit them for review; only a reviewer
    publishes, in the review workflow, never through the API."""

    slug_source = "title"
    url = serializers.HyperlinkedIdentityField(
        view_name="api:case-detail", lookup_field="slug"
    )
    status = WritableChoiceField(
        choices=CaseStudy.Status.choices,
        writable=CaseStudy.EDITABLE_STATUSES,
        required=False,
        help_text="On writes, a step of the review workflow: submitted submits a "
        "draft (or a case whose changes were requested), draft withdraws a submitted "
        "case, and the current status changes nothing; any other move is a 409. New "
        "cases are drafts unless submitted. Only reviewers publish.",
        error_messages={
            "not_writable": _(
                "Through the API a case is a draft or is submitted for review; "
                "only a reviewer publishes or archives it."
            )
        },
    )
    city = RefField(CityRefSerializer, queryset=City.objects.all())
    district = DistrictRefField()
    teams = RefField(
        TeamRefSerializer,
        queryset=InnovationTeam.objects.all(),
        many=True,
        required=False,
    )
    partners = RefField(
        OrganisationRefSerializer,
        queryset=Organisation.objects.all(),
        many=True,
        required=False,
    )
    innovation_types = _terms(InnovationType)
    drivers = _terms(Driver)
    approaches = _terms(Approach)
    themes = _terms(Theme)
    lifecycle_stage = _terms(
        LifecycleStage, many=False, allow_null=True, required=False
    )
    sources = SourceSerializer(many=True, read_only=True)
    image = CaseImageField()
    web_url = WebUrlField()
    translations = CaseTranslationsField()
    completeness = serializers.SerializerMethodField(
        help_text="How complete the case is, 0-100: derived from its sections, "
        "sources, years, lifecycle stage, image and evidence of results (the weights "
        "are in docs/completeness.md), never written."
    )

    class Meta:
        model = CaseStudy
        fields = [
            "url",
            "slug",
            # The image is one object: its renditions, description and credit
            # (CaseImageField).
            *field_list(
                CaseStudy.FIELDS,
                leave_out=["image_alt", "image_credit"],
                add_after={
                    "title": ["status"],
                    "original_language": ["translations"],
                    "evidence": ["completeness"],
                },
            ),
            "published_at",
            "created_at",
            "updated_at",
            "sources",
            "web_url",
        ]
        read_only_fields = ["published_at", "created_at", "updated_at"]
        extra_kwargs = {"slug": {"required": False}}

    def get_completeness(self, case: CaseStudy) -> int:
        # The sources are prefetched with the case (api.with_relations).
        return case.completeness().score

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                raise serializers.ValidationError(
                    _translation_errors_flat(error.detail)
                ) from None
            raise

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        city = attrs.get("city") or getattr(self.instance, "city", None)
        resolve_district(attrs, city)
        errors: dict[str, Any] = {}
        teams = attrs.get("teams")
        if teams is None and self.instance is not None and "city" in attrs:
            # A move to another city must not leave the old city's teams attached.
            teams = list(self.instance.teams.all())
        if teams and city is not None:
            elsewhere = [team.slug for team in teams if team.city_id != city.pk]
            if elsewhere:
                errors["teams"] = [
                    _("These teams are not in %(city)s: %(teams)s.")
                    % {"city": city.name, "teams": ", ".join(elsewhere)}
                ]
        try:
            attrs = super().validate(attrs)
        except serializers.ValidationError as error:
            # Report every problem at once, the model's own rules included.
            if not isinstance(error.detail, dict):
                raise
            errors = {**_translation_errors_flat(error.detail), **errors}
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> CaseStudy:
        user = self.context["request"].user
        wanted = validated_data.pop("status", CaseStudy.Status.DRAFT)
        case = super().create(
            {
                **validated_data,
                "status": CaseStudy.Status.DRAFT,
                "created_by": user,
                "updated_by": user,
            }
        )
        return self._move(case, wanted, user)

    def update(self, instance: CaseStudy, validated_data: dict[str, Any]) -> CaseStudy:
        user = self.context["request"].user
        wanted = validated_data.pop("status", None)
        case = super().update(instance, {**validated_data, "updated_by": user})
        return self._move(case, wanted, user)

    @staticmethod
    def _move(case: CaseStudy, wanted: str | None, user: Any) -> CaseStudy:
        """A status written is reached through the officer's step that leads there
        (submit, withdraw: `CaseStudy.STEPS`), which checks and records it. A status no
        such step leads to is a 409, and the write is rolled back with it (the
        viewset's transaction)."""
        if wanted is None or wanted == case.status:
            return case
        step = case.officer_step_to(wanted)
        if step is None:
            reachable = [
                str(CaseStudy.Status(s.target).label) for s in case.officer_steps()
            ]
            raise Conflict(
                _(
                    "A case cannot go from “%(current)s” to “%(wanted)s” through the "
                    "API. %(next)s"
                )
                % {
                    "current": case.get_status_display(),
                    "wanted": CaseStudy.Status(wanted).label,
                    "next": (
                        _("From here it can go to: %(states)s.")
                        % {"states": ", ".join(f"“{label}”" for label in reachable)}
                        if reachable
                        else _("Only a reviewer moves it on from here.")
                    ),
                }
            )
        case.take_step(step.name, by=user)
        return case


# --- Cities compared (compare.py; /api/v1/cities/compare/) --------------------------------


class ComparedTeamSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:team-detail", lookup_field="slug"
    )
    web_url = WebUrlField()

    class Meta:
        model = InnovationTeam
        fields = ["url", "slug", "name", "kind", "year_established", "web_url"]


class ComparedLabSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:lab-detail", lookup_field="slug"
    )
    team: serializers.SlugRelatedField[InnovationTeam] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Lab
        fields = [
            "url",
            "slug",
            "name",
            "team",
            "municipal_staff_min",
            "municipal_staff_max",
            "partner_staff_min",
            "partner_staff_max",
        ]


class ComparedStrategySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:strategy-detail", lookup_field="slug"
    )
    web_url = WebUrlField()

    class Meta:
        model = Strategy
        fields = [
            "url",
            "slug",
            "title",
            "status",
            "period_start",
            "period_end",
            "web_url",
        ]


class ComparedFundingProgrammeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:funding-programme-detail", lookup_field="slug"
    )

    class Meta:
        model = FundingProgramme
        fields = ["url", "slug", "name", "amount", "currency", "allocation", "year"]


class CurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code, e.g. EUR.")
    total = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        help_text="The sum of the amounts recorded in this currency (never of "
        "amounts in another currency).",
    )
    programmes = serializers.IntegerField(
        help_text="The city's programmes in this currency."
    )
    amounts_recorded = serializers.IntegerField(
        help_text="How many of them have their amount recorded (and so are in the "
        "total)."
    )


class CaseCountSerializer(serializers.Serializer):
    """A count of a city's published cases, with the case-list filter for them."""

    slug = serializers.CharField(help_text="The term's slug (the city's, for all).")
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="Published cases only.")
    query = serializers.CharField(
        help_text="The case-list filter for these cases, e.g. "
        "city=vienna&theme=mobility (for /cases/ and /api/v1/cases/)."
    )


class ComparedCasesSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="cases.count", help_text="Published cases.")
    query = serializers.CharField(source="cases.query")
    by = serializers.SerializerMethodField(
        help_text="Each term of each vocabulary, in the vocabulary's order, with the "
        "city's published cases that carry it."
    )

    @extend_schema_field(
        inline_serializer(
            "ComparedCasesBy",
            {
                name: CaseCountSerializer(many=True)
                for name in ("innovation_type", "theme", "lifecycle_stage")
            },
        )
    )
    def get_by(self, compared: Any) -> dict[str, Any]:
        return {
            name: CaseCountSerializer(bars, many=True).data
            for name, bars in compared.cases_by.items()
        }


class ComparedCitySerializer(serializers.Serializer):
    city = CityRefSerializer(read_only=True)
    web_url = WebUrlField()
    teams = ComparedTeamSerializer(many=True, read_only=True)
    labs = ComparedLabSerializer(many=True, read_only=True)
    strategies = ComparedStrategySerializer(many=True, read_only=True)
    funding_programmes = ComparedFundingProgrammeSerializer(many=True, read_only=True)
    funding_by_currency = CurrencyTotalSerializer(many=True, read_only=True)
    cases = ComparedCasesSerializer(source="*", read_only=True)


class CityComparisonSerializer(serializers.Serializer):
    """Two to four cities side by side. An empty list of teams, labs, strategies or
    funding programmes means that none is recorded for the city, which the Atlas
    cannot tell from "none"."""

    cities = ComparedCitySerializer(many=True, read_only=True)

"""The capacity of a city government to innovate: its teams, labs, strategies and funds."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from core.validators import validate_web_url

# The years a record may name (a team founded, a case started, a filter's bounds).
FIRST_YEAR, LAST_YEAR = 1800, 2100
YEAR_VALIDATORS = [MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]


def is_site_staff(user: Any) -> bool:
    """Whether `user` runs the whole repository: a superuser, or a staff user who is
    no city's member. (An officer or reviewer given admin access stays scoped to their
    own cities.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.is_staff) and not user.city_memberships.exists()


class CityQuerySet(models.QuerySet["City"]):
    # --- Who may do what: the one place the per-city rule is written -----------------
    # The API, the admin and the workspace all ask these two methods; CityRecordQuerySet
    # and CaseStudyQuerySet apply them to the records a city owns.

    def editable_by(self, user: Any) -> CityQuerySet:
        """The cities whose records `user` may create and change.

        An officer of a city writes its records; a superuser writes every city's. A
        reviewer does not write (they publish, in the review workflow), and neither
        does anyone else.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            memberships__user=user, memberships__role=Membership.Role.OFFICER
        )

    def is_editable_by(self, user: Any, city: City | int | None) -> bool:
        """Whether `user` may write the records of `city` (a city, or its pk)."""
        pk = cast("int | None", getattr(city, "pk", city))
        return pk is not None and self.editable_by(user).filter(pk=pk).exists()

    def is_reviewed_by(self, user: Any, city: City | int | None) -> bool:
        """Whether `user` may review the records of `city` (a city, or its pk)."""
        pk = cast("int | None", getattr(city, "pk", city))
        return pk is not None and self.reviewed_by(user).filter(pk=pk).exists()

    def reviewed_by(self, user: Any) -> CityQuerySet:
        """The cities whose cases and revisions `user` may publish, send back or reject.

        A reviewer of a city reviews its records; site staff review every city's.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if is_site_staff(user):
            return self.all()
        return self.filter(
            memberships__user=user, memberships__role=Membership.Role.REVIEWER
        )

    def with_member(self, user: Any) -> CityQuerySet:
        """The cities whose unpublished records `user` may see.

        Members of a city (officers and reviewers) see its drafts; site staff see
        every city's, as they manage the repository.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if is_site_staff(user):
            return self.all()
        return self.filter(memberships__user=user)

    def with_capacity(self) -> CityQuerySet:
        """Annotate the derived capacity answers, so lists don't pay a query per city.

        The rule for each answer is written once, here:

        - `_has_dedicated_team` is True when an innovation team of the city is
          recorded; else False when the city states it has none (`states_no_team`);
          else NULL, "not recorded".
        - `_has_formal_strategy` is True when an adopted strategy of the city is
          recorded; else False when the city states it has none
          (`states_no_strategy`); else NULL.

        "No" is never inferred from what the Atlas lacks: a city whose records name no
        team is not a city without a team until it (or a source) says so. A recorded
        team or adopted strategy overrides a stale statement of none.
        `City.has_dedicated_team` and `City.has_formal_strategy` read these
        annotations when present.
        """
        team = Exists(InnovationTeam.objects.filter(city=OuterRef("pk")))
        adopted = Exists(Strategy.objects.adopted().filter(city=OuterRef("pk")))
        return self.annotate(
            _has_dedicated_team=Case(
                When(team, then=Value(True)),
                When(states_no_team=True, then=Value(False)),
                default=Value(None),
                output_field=models.BooleanField(null=True),
            ),
            _has_formal_strategy=Case(
                When(adopted, then=Value(True)),
                When(states_no_strategy=True, then=Value(False)),
                default=Value(None),
                output_field=models.BooleanField(null=True),
            ),
        )

    def with_profile(self) -> CityQuerySet:
        """The cities with their capacity flags and records, as a city's page and the
        comparison of cities show them: teams (with their labs and districts),
        strategies (with their team) and funding programmes (with their team), in a
        fixed number of queries whatever the number of cities."""
        return self.with_capacity().prefetch_related(
            models.Prefetch(
                "teams",
                queryset=InnovationTeam.objects.prefetch_related(
                    models.Prefetch(
                        "labs", queryset=Lab.objects.select_related("district")
                    )
                ),
            ),
            models.Prefetch(
                "strategies", queryset=Strategy.objects.select_related("team")
            ),
            "funding_programmes__team",
        )

    def with_published_case_count(self) -> CityQuerySet:
        """Annotate `published_case_count`: how many of each city's cases the public sees.

        A correlated subquery (on the index of a case's city and status) rather than a
        join and GROUP BY: the other annotations stay simple, and a count of the cities
        (the paginator's) leaves it out.
        """
        # The cases are a layer above (innovation_cases imports this module): reached
        # through their relation to the city, and counted by their own rule.
        # (Any: their model's type is theirs to name.)
        cases: Any = self.model._meta.get_field("cases").related_model
        published = (
            cases._default_manager.published()
            .filter(city=OuterRef("pk"))
            .order_by()
            .values("city")
            .annotate(count=Count("*"))
            .values("count")
        )
        return self.annotate(published_case_count=Coalesce(Subquery(published), 0))

    def choices(self) -> list[tuple[str, str]]:
        """Each city's slug and "name (country)", by name, for a form's choice of
        cities: one query, the country named in the active language."""
        return [
            (slug, f"{name} ({countries.name(code) or code})")
            for slug, name, code in self.order_by("name", "pk").values_list(
                "slug", "name", "country"
            )
        ]

    def located(self) -> CityQuerySet:
        """The cities whose coordinates are on record: the ones a map can show."""
        return self.filter(latitude__isnull=False, longitude__isnull=False)

    # The lookups below are with_capacity()'s annotations, which the CityQuerySet it is
    # declared to answer does not carry for django-stubs.
    def with_dedicated_team(self) -> CityQuerySet:
        return self.with_capacity().filter(_has_dedicated_team=True)  # type: ignore[misc]  # see above

    def with_formal_strategy(self) -> CityQuerySet:
        return self.with_capacity().filter(_has_formal_strategy=True)  # type: ignore[misc]  # see above


class City(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    country = CountryField(_("country"), db_index=True)
    region = models.CharField(
        _("region"), max_length=120, blank=True, help_text=_("Region or province.")
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    website = models.URLField(_("website"), blank=True, validators=[validate_web_url])
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("A short description of the city government."),
    )
    # What the city states it lacks: the only way the Atlas answers "no" to a capacity
    # question (CityQuerySet.with_capacity). A record can say a team exists, never
    # that none does; without a statement the answer is "not recorded".
    states_no_team = models.BooleanField(
        _("the city states it has no dedicated innovation team"),
        default=False,
        help_text=_(
            "Tick only when the city states that no team or unit of its government "
            "is dedicated to innovation. Left unticked, the Atlas shows “Not "
            "recorded”, never “No”. A recorded innovation team takes precedence."
        ),
    )
    states_no_strategy = models.BooleanField(
        _("the city states it has no formal innovation strategy"),
        default=False,
        help_text=_(
            "Tick only when the city states that it has not adopted an innovation "
            "strategy. Left unticked, the Atlas shows “Not recorded”, never “No”. A "
            "recorded adopted strategy takes precedence."
        ),
    )
    sources = GenericRelation("core.Source")
    # Made by `generate_synthetic_data` for load tests; `--delete` removes exactly these.
    is_synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Every change, with who made it and when (see docs/architecture.md).
    history = HistoricalRecords()

    objects = CityQuerySet.as_manager()

    # The statements an officer writes about the city (the workspace's city profile, the
    # admin), each with the relation whose records it sits beside and which override it.
    STATEMENTS = {"teams": "states_no_team", "strategies": "states_no_strategy"}

    # Set by CityQuerySet.with_capacity()'s annotations, on the cities it loads: True,
    # False when the city states it has none, or None when that is not recorded.
    _has_dedicated_team: bool | None
    _has_formal_strategy: bool | None

    class Meta:
        ordering = ["name"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "country"], name="city_unique_name_country"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90),
                name="city_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | Q(longitude__gte=-180, longitude__lte=180),
                name="city_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="city_coordinates_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        # CountryField gives a Country; django-stubs reads it as CharField's str.
        return f"{self.name} ({self.country.code})"  # type: ignore[attr-defined]

    def get_absolute_url(self) -> str:
        return reverse("cities:city_detail", kwargs={"slug": self.slug})

    # Slugs that name pages beside the cities' own (/cities/compare/), which a city
    # with that slug could never reach.
    RESERVED_SLUGS = frozenset({"compare"})

    def clean(self) -> None:
        """Refuse a reserved slug, and stating "none" beside a record that says
        otherwise."""
        if self.slug in self.RESERVED_SLUGS:
            raise ValidationError(
                {
                    "slug": _(
                        "“%(slug)s” names another page of the site; choose another "
                        "slug, such as the city's name with its country."
                    )
                    % {"slug": self.slug}
                }
            )
        if self.pk is None:
            return
        errors = {}
        if self.states_no_team and self.teams.exists():
            errors["states_no_team"] = _(
                "An innovation team of this city is recorded, so it cannot be stated "
                "that the city has none. Untick this, or delete the team if it no "
                "longer exists."
            )
        if (
            self.states_no_strategy
            and Strategy.objects.adopted().filter(city=self).exists()
        ):
            errors["states_no_strategy"] = _(
                "An adopted strategy of this city is recorded, so it cannot be stated "
                "that the city has none. Untick this, or mark the strategy superseded "
                "if it no longer applies."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def has_dedicated_team(self) -> bool | None:
        """True when an innovation team of the city is recorded, False when the city
        states it has none, None when neither (CityQuerySet.with_capacity)."""
        if hasattr(self, "_has_dedicated_team"):
            return self._has_dedicated_team
        return type(self).objects.with_capacity().get(pk=self.pk)._has_dedicated_team

    @property
    def has_formal_strategy(self) -> bool | None:
        """True when an adopted (not draft, not superseded) strategy of the city is
        recorded, False when the city states it has none, None when neither
        (CityQuerySet.with_capacity)."""
        if hasattr(self, "_has_formal_strategy"):
            return self._has_formal_strategy
        return type(self).objects.with_capacity().get(pk=self.pk)._has_formal_strategy


class Membership(models.Model):
    """A user's role in a city: officers write its records, reviewers publish them.

    Managed by site staff in the admin; there is no open sign-up.
    """

    class Role(models.TextChoices):
        OFFICER = "officer", _("Officer")
        REVIEWER = "reviewer", _("Reviewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="city_memberships",
        verbose_name=_("user"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("city"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["city__name", "role"]
        verbose_name = _("city membership")
        verbose_name_plural = _("city memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "city"], name="membership_one_role_per_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.city.name}"


def unique_slug(model: type[models.Model], text: str, max_length: int = 200) -> str:
    """A slug made from `text` that no `model` record has yet: "lab", "lab-2", ..."""
    base = slugify(text)[:max_length] or str(model._meta.model_name)
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class CityRecordQuerySet(models.QuerySet[Any]):
    """Records that belong to one city, such as a team or a funding programme."""

    # The path from the record to its city.
    city_field = "city"

    def editable_by(self, user: Any) -> CityRecordQuerySet:
        """The records of the cities `user` may write (see CityQuerySet.editable_by)."""
        return self.filter(
            **{f"{self.city_field}__in": City.objects.editable_by(user).values("pk")}
        )


class LabQuerySet(CityRecordQuerySet):
    city_field = "team__city"


class InnovationTeamQuerySet(CityRecordQuerySet):
    def with_record_counts(self) -> InnovationTeamQuerySet:
        """Annotate `lab_count` and `funding_programme_count`: each a correlated
        subquery, so that a page of teams costs one query and the paginator's count
        leaves them out."""
        return self.annotate(
            lab_count=_count_of(Lab, "team"),
            funding_programme_count=_count_of(FundingProgramme, "team"),
        )


def _count_of(model: type[models.Model], field: str) -> Coalesce:
    """How many `model` rows point at the outer row through `field` (0 when none)."""
    rows = (
        model._default_manager.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(count=Count("*"))
        .values("count")
    )
    return Coalesce(Subquery(rows), 0)


class District(models.Model):
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="districts", verbose_name=_("city")
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140)

    objects = CityRecordQuerySet.as_manager()

    class Meta:
        ordering = ["city__name", "name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "slug"], name="district_unique_slug_per_city"
            ),
            models.UniqueConstraint(
                fields=["city", "name"], name="district_unique_name_per_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city.name}"


class InnovationTeam(models.Model):
    # The fields an officer writes, in order: the one list that the workspace's form
    # and the API's serializer take, each saying what it leaves out or adds
    # (core/fields.py).
    FIELDS = [
        "name",
        "city",
        "kind",
        "year_established",
        "mandate",
        "staff_size",
        "website",
        "parent",
    ]

    class Kind(models.TextChoices):
        IN_HOUSE_UNIT = "in_house_unit", _("In-house unit")
        COORDINATION_OFFICE = "coordination_office", _("Coordination office")
        INDEPENDENT_FOUNDATION = "independent_foundation", _("Independent foundation")
        LAB_NETWORK = "lab_network", _("Lab network")
        PARTNERSHIP = "partnership", _("Partnership")
        OTHER = "other", _("Other")

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="teams", verbose_name=_("city")
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    year_established = models.PositiveSmallIntegerField(
        _("year established"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    mandate = models.TextField(
        _("mandate"),
        blank=True,
        help_text=_("What the team is there to do, and its remit."),
    )
    staff_size = models.PositiveSmallIntegerField(
        _("staff size"), null=True, blank=True
    )
    website = models.URLField(_("website"), blank=True, validators=[validate_web_url])
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent team"),
    )
    sources = GenericRelation("core.Source")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = InnovationTeamQuerySet.as_manager()

    class Meta:
        ordering = ["city__name", "name"]
        verbose_name = _("innovation team")
        verbose_name_plural = _("innovation teams")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "name"], name="team_unique_name_per_city"
            ),
            models.CheckConstraint(
                condition=Q(year_established__isnull=True)
                | Q(year_established__gte=FIRST_YEAR, year_established__lte=LAST_YEAR),
                name="team_year_established_range",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="team_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city.name})"

    def get_absolute_url(self) -> str:
        return reverse("cities:team_detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.pk is not None and self.parent_id == self.pk:
                raise ValidationError({"parent": _("A team cannot be its own parent.")})
            # parent_id is set: the parent is a team, not None.
            if (
                self.city_id is not None
                and cast("InnovationTeam", self.parent).city_id != self.city_id
            ):
                raise ValidationError(
                    {"parent": _("The parent team must belong to the same city.")}
                )


class Lab(models.Model):
    """A team's local unit, such as one of the IU foundation's district labs in Bologna.

    Staffing is stored as a range because sources report it that way ("two to three
    staff from the municipality"); an exact figure is a range of one.
    """

    # The fields an officer writes, in order: the one list that the workspace's form
    # and the API's serializer take, each saying what it leaves out or adds
    # (core/fields.py).
    FIELDS = [
        "name",
        "team",
        "district",
        "description",
        "municipal_staff_min",
        "municipal_staff_max",
        "partner_staff_min",
        "partner_staff_max",
    ]

    team = models.ForeignKey(
        InnovationTeam,
        on_delete=models.CASCADE,
        related_name="labs",
        verbose_name=_("team"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="labs",
        verbose_name=_("district"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    municipal_staff_min = models.PositiveSmallIntegerField(
        _("municipal staff (at least)"), null=True, blank=True
    )
    municipal_staff_max = models.PositiveSmallIntegerField(
        _("municipal staff (at most)"), null=True, blank=True
    )
    partner_staff_min = models.PositiveSmallIntegerField(
        _("partner staff (at least)"), null=True, blank=True
    )
    partner_staff_max = models.PositiveSmallIntegerField(
        _("partner staff (at most)"), null=True, blank=True
    )
    sources = GenericRelation("core.Source")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = LabQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name = _("lab")
        verbose_name_plural = _("labs")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], name="lab_unique_name_per_team"
            ),
            models.CheckConstraint(
                condition=Q(municipal_staff_min__isnull=True)
                | Q(municipal_staff_max__isnull=True)
                | Q(municipal_staff_max__gte=models.F("municipal_staff_min")),
                name="lab_municipal_staff_range",
            ),
            models.CheckConstraint(
                condition=Q(partner_staff_min__isnull=True)
                | Q(partner_staff_max__isnull=True)
                | Q(partner_staff_max__gte=models.F("partner_staff_min")),
                name="lab_partner_staff_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if (
            self.district_id is not None
            and self.team_id is not None
            # district_id is set: the district is not None.
            and cast("District", self.district).city_id != self.team.city_id
        ):
            errors["district"] = _("The district must be in the team's city.")
        for kind in ("municipal", "partner"):
            low = getattr(self, f"{kind}_staff_min")
            high = getattr(self, f"{kind}_staff_max")
            if low is not None and high is not None and high < low:
                errors[f"{kind}_staff_max"] = _("The most cannot be below the least.")
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _format_range(low: int | None, high: int | None) -> str:
        if low is None and high is None:
            return ""
        if low is None or high is None or low == high:
            return str(low if high is None else high)
        return f"{low}–{high}"

    @property
    def municipal_staff(self) -> str:
        return self._format_range(self.municipal_staff_min, self.municipal_staff_max)

    @property
    def partner_staff(self) -> str:
        return self._format_range(self.partner_staff_min, self.partner_staff_max)


class StrategyQuerySet(CityRecordQuerySet):
    def adopted(self) -> StrategyQuerySet:
        return self.filter(status=Strategy.Status.ADOPTED)


class Strategy(models.Model):
    # The fields an officer writes, in order: the one list that the workspace's form
    # and the API's serializer take, each saying what it leaves out or adds
    # (core/fields.py).
    FIELDS = [
        "title",
        "city",
        "team",
        "status",
        "adopted_on",
        "period_start",
        "period_end",
        "document_url",
        "summary",
        "innovation_types",
    ]

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ADOPTED = "adopted", _("Adopted")
        SUPERSEDED = "superseded", _("Superseded")

    city = models.ForeignKey(
        City,
        on_delete=models.CASCADE,
        related_name="strategies",
        verbose_name=_("city"),
    )
    team = models.ForeignKey(
        InnovationTeam,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="strategies",
        verbose_name=_("owning team"),
    )
    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=250, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    period_start = models.PositiveSmallIntegerField(
        _("period start (year)"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    period_end = models.PositiveSmallIntegerField(
        _("period end (year)"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    document_url = models.URLField(
        _("document link"), blank=True, validators=[validate_web_url]
    )
    summary = models.TextField(_("summary"), blank=True)
    innovation_types = models.ManyToManyField(
        "core.InnovationType",
        blank=True,
        related_name="strategies",
        verbose_name=_("innovation types emphasised"),
    )
    sources = GenericRelation("core.Source")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(m2m_fields=["innovation_types"])

    objects = StrategyQuerySet.as_manager()

    class Meta:
        ordering = ["city__name", "-period_start", "title"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        indexes = [models.Index(fields=["city", "status"], name="strategy_city_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "title"], name="strategy_unique_title_per_city"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="strategy_period_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.city.name})"

    def get_absolute_url(self) -> str:
        return reverse("cities:strategy_detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        errors = {}
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_end < self.period_start
        ):
            errors["period_end"] = _("The period cannot end before it starts.")
        if self.team_id is not None and self.city_id is not None:
            if cast("InnovationTeam", self.team).city_id != self.city_id:  # team_id set
                errors["team"] = _("The owning team must belong to the same city.")
        if errors:
            raise ValidationError(errors)


class FundingProgramme(models.Model):
    # The fields an officer writes, in order: the one list that the workspace's form
    # and the API's serializer take, each saying what it leaves out or adds
    # (core/fields.py).
    FIELDS = [
        "name",
        "city",
        "team",
        "description",
        "amount",
        "currency",
        "allocation",
        "training_offered",
        "year",
    ]

    class Allocation(models.TextChoices):
        PITCH_COMPETITION = "pitch_competition", _("Pitch competition")
        GRANT_CALL = "grant_call", _("Grant call")
        CHALLENGE_PRIZE = "challenge_prize", _("Challenge prize")
        INNOVATION_PROCUREMENT = "innovation_procurement", _("Innovation procurement")
        PARTICIPATORY_BUDGET = "participatory_budget", _("Participatory budget")
        DIRECT_ALLOCATION = "direct_allocation", _("Direct allocation")
        OTHER = "other", _("Other")

    city = models.ForeignKey(
        City,
        on_delete=models.CASCADE,
        related_name="funding_programmes",
        verbose_name=_("city"),
    )
    team = models.ForeignKey(
        InnovationTeam,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funding_programmes",
        verbose_name=_("team"),
        help_text=_("The team that runs the programme, if any."),
    )
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=250, unique=True)
    description = models.TextField(_("description"), blank=True)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        help_text=_("ISO 4217 code, e.g. EUR."),
    )
    allocation = models.CharField(
        _("how it is allocated"), max_length=32, choices=Allocation.choices
    )
    training_offered = models.BooleanField(
        _("training offered"),
        default=False,
        help_text=_("Whether applicants get training, e.g. in innovation or pitching."),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    sources = GenericRelation("core.Source")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = CityRecordQuerySet.as_manager()

    class Meta:
        ordering = ["city__name", "name"]
        verbose_name = _("funding programme")
        verbose_name_plural = _("funding programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "name"], name="funding_unique_name_per_city"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="funding_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="funding_currency_iso4217",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city.name})"

    def clean(self) -> None:
        if self.currency:
            self.currency = self.currency.upper()
            if len(self.currency) != 3 or not self.currency.isalpha():
                raise ValidationError(
                    {"currency": _("Use a three-letter ISO 4217 code, such as EUR.")}
                )
        if self.team_id is not None and self.city_id is not None:
            if cast("InnovationTeam", self.team).city_id != self.city_id:  # team_id set
                raise ValidationError(
                    {"team": _("The team must belong to the same city.")}
                )

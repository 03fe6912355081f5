"""Case studies of public sector innovation, their taxonomies, partners and sources."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.models import YEAR_VALIDATORS, City

from . import search as full_text

# --- Taxonomies ----------------------------------------------------------------------------


class Term(models.Model):
    """A value of a controlled vocabulary, with the definition shown to users."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    definition = models.TextField(_("definition"))
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order in lists and pickers.")
    )

    # The public page that lists a term's cases, if it has one (see later issues).
    url_name: str | None = None

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        if self.url_name is None:
            return (
                reverse("innovation_cases:case_list")
                + f"?{self.filter_param}={self.slug}"
            )
        return reverse(self.url_name, kwargs={"slug": self.slug})

    @property
    def filter_param(self) -> str:
        """The query parameter that filters the case list by this vocabulary."""
        return self._meta.model_name or ""

    @property
    def vocabulary(self) -> str:
        """The vocabulary's name, e.g. "Innovation type", for headings and labels."""
        return str(self._meta.verbose_name).capitalize()


class InnovationType(Term):
    """OPSI's four facets, which differ in uncertainty and in how they are directed."""

    url_name = "innovation_cases:type_detail"

    class Meta(Term.Meta):
        verbose_name = _("innovation type")
        verbose_name_plural = _("innovation types")

    @property
    def filter_param(self) -> str:
        return "innovation_type"


class Driver(Term):
    class Group(models.TextChoices):
        INTERNAL = "internal", _("Internal")
        EXTERNAL = "external", _("External")

    group = models.CharField(_("group"), max_length=16, choices=Group.choices)

    url_name = "innovation_cases:driver_detail"

    class Meta(Term.Meta):
        ordering = ["group", "position", "name"]
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")


class Approach(Term):
    class Meta(Term.Meta):
        verbose_name = _("approach")
        verbose_name_plural = _("approaches")


class Theme(Term):
    url_name = "innovation_cases:theme_detail"

    class Meta(Term.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class LifecycleStage(Term):
    class Meta(Term.Meta):
        verbose_name = _("lifecycle stage")
        verbose_name_plural = _("lifecycle stages")

    @property
    def filter_param(self) -> str:
        return "stage"


# --- Organisations and sources -----------------------------------------------------------


class Organisation(models.Model):
    class Kind(models.TextChoices):
        RESEARCH = "research", _("University or research centre")
        NETWORK = "network", _("Network of cities")
        PHILANTHROPY = "philanthropy", _("Philanthropic funder")
        FOUNDATION = "foundation", _("Foundation")
        PUBLIC_BODY = "public_body", _("Public body")
        BUSINESS = "business", _("Business")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    city = models.ForeignKey(
        City,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("based in"),
    )
    sources = GenericRelation("Source")

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """A citation that backs a record: a case, a city, a team, a finding, and so on.

    The same document cited by two records is two citations, each with its own note on
    what it supports.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("title"), max_length=300)
    authors = models.CharField(_("authors"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    published_on = models.DateField(_("date"), null=True, blank=True)
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("What this source supports, or a short quote."),
    )

    class Meta:
        ordering = ["published_on", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="source_target"),
        ]

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    """A figure reported by a named study, stored as a cited statement.

    These are the study's findings, not the Atlas's statistics (those are computed live
    from our own records). Sources can disagree: each figure is cited to its own source.
    """

    class Topic(models.TextChoices):
        DEDICATED_TEAM = "dedicated_team", _("Dedicated innovation teams")
        FORMAL_STRATEGY = "formal_strategy", _("Formal innovation strategies")
        PRIORITIES = "priorities", _("Mayors' priorities")
        SCOPE = "scope", _("Scope of the study")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)
    statement = models.TextField(_("statement"))
    sources = GenericRelation(Source)

    class Meta:
        ordering = ["topic", "slug"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.statement[:80]


# --- Case studies --------------------------------------------------------------------------


class CaseStudyQuerySet(models.QuerySet["CaseStudy"]):
    def published(self) -> CaseStudyQuerySet:
        return self.filter(status=CaseStudy.Status.PUBLISHED)

    def for_city(self, city: City) -> CaseStudyQuerySet:
        return self.filter(city=city)

    def visible_to(self, user: Any) -> CaseStudyQuerySet:
        """What `user` may read: every published case, and the other cases of the cities
        they are a member of (see CityQuerySet.with_member). Anonymous users see only
        published cases."""
        return self.filter(
            Q(status=CaseStudy.Status.PUBLISHED)
            | Q(city__in=City.objects.with_member(user).values("pk"))
        )

    def editable_by(self, user: Any) -> CaseStudyQuerySet:
        """The cases `user` may change (see CityQuerySet.editable_by)."""
        return self.filter(city__in=City.objects.editable_by(user).values("pk"))

    def with_facets(self) -> CaseStudyQuerySet:
        """Load what a list shows in a fixed number of queries, whatever the page size."""
        return self.select_related(
            "city", "district", "lifecycle_stage"
        ).prefetch_related("innovation_types", "drivers", "approaches", "themes")

    def search(self, text: str) -> CaseStudyQuerySet:
        """The cases that match `text`, annotated with `rank` and `headline`.

        `rank` is a float, higher is better; `headline` is a short excerpt of the
        summary as safe HTML, every match in <mark>. No ordering is applied: callers
        order by "-rank". Blank text leaves the cases as they are, with rank 0 and the
        start of the summary as headline. On PostgreSQL the text takes websearch syntax
        ("quoted phrase", OR, -word), each word also matches as a prefix, and accents
        are ignored; on SQLite every word must appear somewhere, and -word must not.
        """
        text = full_text.clean_text(text)
        if not text:
            return self.annotate(
                rank=models.Value(0.0, output_field=models.FloatField()),
                headline=full_text.highlighted_summary([]),
            )
        if full_text.uses_postgres(self.db):
            query = full_text.search_query(text)
            return self.filter(search_vector=query).annotate(
                rank=SearchRank(
                    models.F("search_vector"), query, weights=full_text.RANK_WEIGHTS
                ),
                headline=full_text.headline(query),
            )
        terms = full_text.parse_terms(text)
        if not terms:  # Only punctuation: nothing can match it.
            return self.none().annotate(
                rank=models.Value(0.0, output_field=models.FloatField()),
                headline=full_text.highlighted_summary([]),
            )
        wanted = [t.text for t in terms if not t.exclude]
        matches = Q()
        for term in terms:
            found = full_text.contains(term.text)
            matches &= ~found if term.exclude else found
        # 2 when the title holds every wanted word, else 1.
        rank: models.Expression = models.Value(1.0, output_field=models.FloatField())
        if wanted:
            in_title = Q()
            for word in wanted:
                in_title &= Q(title__icontains=word)
            rank = models.Case(
                models.When(in_title, then=models.Value(2.0)),
                default=rank,
                output_field=models.FloatField(),
            )
        return self.filter(matches).annotate(
            rank=rank, headline=full_text.highlighted_summary(wanted)
        )

    def update_search_vector(self) -> int:
        """Recompute the search vector of these cases, in one UPDATE; PostgreSQL only.

        The signals in `signals.py` call this whenever a case, its city's or district's
        name, or its teams change. Code that writes around the signals (bulk_create,
        QuerySet.update(), raw SQL) should call it once at the end.
        """
        if not full_text.uses_postgres(self.db):
            return 0
        return self.update(search_vector=full_text.search_vector())

    def related_to(self, case: CaseStudy) -> CaseStudyQuerySet:
        """Other cases ranked by what they share with `case`: city, types and themes.

        Each shared innovation type or theme scores 1 and the same city scores 2; cases
        sharing nothing are left out. Two correlated COUNT subqueries, one query in all.
        """
        through_types = CaseStudy.innovation_types.through
        through_themes = CaseStudy.themes.through

        def shared(
            through: type[models.Model], column: str, ids: list[int]
        ) -> Subquery:
            return Subquery(
                through.objects.filter(
                    casestudy_id=OuterRef("pk"), **{f"{column}__in": ids}
                )
                .values("casestudy_id")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=models.IntegerField(),
            )

        type_ids = list(case.innovation_types.values_list("pk", flat=True))
        theme_ids = list(case.themes.values_list("pk", flat=True))
        return (
            self.exclude(pk=case.pk)
            .annotate(
                relatedness=Coalesce(
                    shared(through_types, "innovationtype_id", type_ids), 0
                )
                + Coalesce(shared(through_themes, "theme_id", theme_ids), 0)
                + Case(When(city_id=case.city_id, then=2), default=0)
            )
            .filter(relatedness__gt=0)
            .select_related("city")
            .order_by("-relatedness", "-published_at")
        )


class CaseStudy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    # While a case is one of these, its officers change it directly; once it is
    # published or archived, changes go through the review workflow.
    EDITABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED)

    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=250, unique=True)
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="cases", verbose_name=_("city")
    )
    district = models.ForeignKey(
        "cities.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("district"),
    )
    teams = models.ManyToManyField(
        "cities.InnovationTeam",
        blank=True,
        related_name="cases",
        verbose_name=_("teams"),
    )
    partners = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="cases",
        verbose_name=_("partner organisations"),
    )
    summary = models.TextField(
        _("summary"), help_text=_("Two or three sentences: what was done, and why.")
    )
    challenge = models.TextField(
        _("challenge"), blank=True, help_text=_("Markdown. The problem the city faced.")
    )
    approach = models.TextField(
        _("approach"), blank=True, help_text=_("Markdown. What the city did, and how.")
    )
    results = models.TextField(
        _("results"), blank=True, help_text=_("Markdown. What happened, with evidence.")
    )
    lessons_learned = models.TextField(
        _("lessons learned"),
        blank=True,
        help_text=_("Markdown. What another city should know before trying this."),
    )
    innovation_types = models.ManyToManyField(
        InnovationType,
        blank=True,
        related_name="cases",
        verbose_name=_("innovation types"),
    )
    drivers = models.ManyToManyField(
        Driver, blank=True, related_name="cases", verbose_name=_("drivers")
    )
    approaches = models.ManyToManyField(
        Approach, blank=True, related_name="cases", verbose_name=_("approaches")
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="cases", verbose_name=_("themes")
    )
    lifecycle_stage = models.ForeignKey(
        LifecycleStage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("lifecycle stage"),
    )
    year_started = models.PositiveSmallIntegerField(
        _("year started"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    year_ended = models.PositiveSmallIntegerField(
        _("year ended"),
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    sources = GenericRelation(Source)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    # Maintained by CaseStudyQuerySet.update_search_vector(); NULL on SQLite.
    search_vector = SearchVectorField(_("search vector"), null=True, editable=False)

    objects = CaseStudyQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "title"]
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")
        indexes = [
            models.Index(
                fields=["status", "-published_at"], name="case_status_published"
            ),
            models.Index(fields=["city", "status"], name="case_city_status"),
            models.Index(fields=["year_started"], name="case_year_started"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_started__isnull=True)
                | Q(year_started__gte=1800, year_started__lte=2100),
                name="case_year_started_range",
            ),
            models.CheckConstraint(
                condition=Q(year_ended__isnull=True)
                | Q(year_started__isnull=True)
                | Q(year_ended__gte=models.F("year_started")),
                name="case_year_ended_not_before_started",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="case_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("innovation_cases:case_detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def clean(self) -> None:
        errors = {}
        if (
            self.year_started is not None
            and self.year_ended is not None
            and self.year_ended < self.year_started
        ):
            errors["year_ended"] = _("A case cannot end before it started.")
        if (
            self.district_id is not None
            and self.city_id is not None
            and self.district.city_id != self.city_id
        ):
            errors["district"] = _("The district must be in the case's city.")
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if errors:
            raise ValidationError(errors)

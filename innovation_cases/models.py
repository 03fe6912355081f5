"""Case studies of public sector innovation, their taxonomies, partners and sources."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.signals import pre_create_historical_record

from cities.models import FIRST_YEAR, LAST_YEAR, YEAR_VALIDATORS, City, District
from core.etags import etag_for
from core.fields import field_list
from core.history import (
    HistoricalRecordsWithRelations,
    restore_note,
    save_with_relations,
    version_relations,
)
from core.language_names import language_codes, language_name
from core.mail import absolute_url, site_mail
from core.models import (
    Approach,
    Driver,
    InnovationType,
    LifecycleStage,
    Source,
    Theme,
    source_line,
)
from core.validators import validate_web_url

# --- Organisations --------------------------------------------------------------------------


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def with_published_case_count(self) -> OrganisationQuerySet:
        """Annotate `published_case_count`: how many published cases each took part
        in as a partner (a correlated subquery; drafts are never counted)."""
        cases = (
            CaseStudy.objects.published()
            .filter(partners=OuterRef("pk"))
            .order_by()
            .values("partners")
            .annotate(count=Count("*"))
            .values("count")
        )
        return self.annotate(published_case_count=Coalesce(Subquery(cases), 0))


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
    website = models.URLField(_("website"), blank=True, validators=[validate_web_url])
    description = models.TextField(_("description"), blank=True)
    city = models.ForeignKey(
        City,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("based in"),
    )
    sources = GenericRelation(Source)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "innovation_cases:organisation_detail", kwargs={"slug": self.slug}
        )


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


# What a case's source holds, as an editor and a revision see it.
SOURCE_FIELDS = ["title", "authors", "publisher", "url", "published_on", "note"]
SOURCE_DEFAULTS: dict[str, Any] = dict.fromkeys(SOURCE_FIELDS, "") | {
    "published_on": None
}


def _plain(value: Any) -> Any:
    """A value as JSON holds it: dates as ISO text, files as their names."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def source_values(source: Source) -> dict[str, Any]:
    return {name: _plain(getattr(source, name)) for name in SOURCE_FIELDS}


# --- Case studies --------------------------------------------------------------------------


class CaseStudyQuerySet(models.QuerySet["CaseStudy"]):
    def published(self) -> CaseStudyQuerySet:
        return self.filter(status=CaseStudy.Status.PUBLISHED)

    def locked(self) -> CaseStudyQuerySet:
        """These cases, their rows locked until the transaction ends (see
        CaseStudy.lock): FOR NO KEY UPDATE, the lock an UPDATE takes, on the cases'
        own rows only, so that nothing that merely points at a case (a review, a
        revision) waits for it."""
        return self.order_by().select_for_update(no_key=True, of=("self",))

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

    def of_member_cities(self, user: Any) -> CaseStudyQuerySet:
        """The cases of the cities `user` is a member of (every city for site staff),
        whatever their state: what the workspace's history pages show."""
        return self.filter(city__in=City.objects.with_member(user).values("pk"))

    def editable_by(self, user: Any) -> CaseStudyQuerySet:
        """The cases `user` may change (see CityQuerySet.editable_by)."""
        return self.filter(city__in=City.objects.editable_by(user).values("pk"))

    def using_image(self, folder: str) -> CaseStudyQuerySet:
        """The cases whose image is the one stored in `folder` (see images.py: an
        image's renditions share a folder, and a case holds the largest one's name)."""
        return self.filter(image__startswith=f"{folder}/")

    def with_source_count(self) -> CaseStudyQuerySet:
        """Each case with how many sources it cites (`source_count`, which
        CaseStudy.completeness reads): a subquery a row, so that a list of cases
        needs no query per case and no GROUP BY over its text."""
        # The content type by its natural key, joined in the subquery: no query
        # of its own (get_for_model's cache is emptied between tests, and would
        # show in their query counts).
        counts = (
            Source.objects.filter(
                content_type__app_label=CaseStudy._meta.app_label,
                content_type__model=CaseStudy._meta.model_name,
                object_id=OuterRef("pk"),
            )
            .order_by()
            .values("object_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            source_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
        )

    def with_facets(self) -> CaseStudyQuerySet:
        """Load what a list shows in a fixed number of queries, whatever the page size."""
        return self.select_related(
            "city", "district", "lifecycle_stage"
        ).prefetch_related("innovation_types", "drivers", "approaches", "themes")

    def for_cards(self) -> CaseStudyQuerySet:
        """Load what a result card (`includes/case_card.html`) and a feed entry show,
        in three queries whatever the page size: not the four sections, the drivers,
        approaches, district or stage, which only the case page and the exports show.
        Measured over 20 cards at 100,000 cases: 3 queries instead of 5, and about
        half the rows' time."""
        return (
            self.select_related("city")
            .only(
                "id",
                "title",
                "slug",
                "summary",
                # A card and a feed entry are read in the reader's language.
                "original_language",
                *CARD_TRANSLATION_FIELDS,
                "year_started",
                "is_synthetic",
                "status",
                "published_at",
                "updated_at",
                "city__id",
                "city__name",
                "city__slug",
                "city__country",
            )
            .prefetch_related("innovation_types", "themes")
        )

    def related_to(self, case: CaseStudy, limit: int = 4) -> list[CaseStudy]:
        """The `limit` published cases of this queryset most related to `case`, best
        first, with their city: chosen by the search index (engine/related.py, where
        the scoring is explained), then loaded by one `id__in` query."""
        from .engine.related import related_ids  # the engine imports the models

        ids = related_ids(case, limit)
        by_id = {
            other.pk: other for other in self.filter(pk__in=ids).select_related("city")
        }
        return [by_id[pk] for pk in ids if pk in by_id]


@dataclass(frozen=True)
class WorkflowStep:
    """One step of a case's review workflow: from which states it may be taken, the
    state it leads to, and who takes it (the city's reviewers, or else its officers).
    `CaseStudy.STEPS` is the one table of them: the model's methods enforce it, and
    the workspace, the admin and the API ask it which steps a user may take."""

    name: str
    sources: tuple[str, ...]
    target: str
    by_reviewer: bool
    denied: Any  # what a user who may not take it is told (a lazy string)
    needs_comment: bool = False


# How the Atlas files a case: the vocabularies, the lifecycle stage and the evidence of
# results (the editor's, the admin's and the case page's "Classification").
CLASSIFICATION_FIELDS = [
    "innovation_types",
    "drivers",
    "approaches",
    "themes",
    "lifecycle_stage",
    "evidence",
]

# The case's many-to-many relations, recorded in its history with each version.
RELATION_FIELDS = [
    "teams",
    "partners",
    "innovation_types",
    "drivers",
    "approaches",
    "themes",
]


# A case's sections, in reading order: Markdown, each under its own heading.
SECTION_FIELDS = ["challenge", "approach", "results", "lessons_learned"]

# --- A case's languages -------------------------------------------------------------------
#
# A case is written in its original language (`original_language`): its own fields
# (`title`, `summary`, the sections) hold that text, always, whoever reads it. A
# translation into another of the site's languages is kept beside it, a column a field
# and a language (`title_de`, `summary_de`, ...), declared and migrated by
# django-modeltranslation (innovation_cases/translation.py, which says why the fields
# themselves keep the original). Readers get `CaseStudy.in_language()`: their
# language's translation where there is one, else the original, marked as such.

# The text that is translated, in reading order.
TEXT_FIELDS = ["title", "summary", *SECTION_FIELDS]
# What a translation must have, as the original must.
TRANSLATION_REQUIRED = ["title", "summary"]
LANGUAGE_CODES = language_codes()


def translation_field(name: str, language: str) -> str:
    """The column of `name`'s translation into `language` ("title", "de": "title_de")."""
    return f"{name}_{language.replace('-', '_')}"


# Every translation column, language by language: what a revision and the history carry
# besides the original.
TRANSLATION_FIELDS = [
    translation_field(name, language)
    for language in LANGUAGE_CODES
    for name in TEXT_FIELDS
]


# The translations a result card and a feed entry show: the title and the summary.
CARD_TRANSLATION_FIELDS = [
    translation_field(name, language)
    for language in LANGUAGE_CODES
    for name in ("title", "summary")
]


@dataclass(frozen=True)
class Passage:
    """A piece of a case's text, and the language it is written in."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text


class CaseText:
    """A case's text as a reader of one language is shown it: the translation into
    that language where there is one (a section it leaves out is the original's),
    else the original. Each passage says its language, for its `lang` attribute.

    Each passage is read when asked for, so that a card or a feed entry, whose query
    loads the titles and summaries only (CaseStudyQuerySet.for_cards), reads no
    section: asking for one it does not show would cost a query a case."""

    def __init__(self, case: CaseStudy, language: str) -> None:
        self._case = case
        self.original_language = case.original_language
        # A translation has a title and a summary (clean()); without them, none.
        translated = language != case.original_language and bool(
            getattr(case, translation_field("title", language), None)
        )
        self.language = language if translated else case.original_language

    @property
    def is_translation(self) -> bool:
        return self.language != self.original_language

    def _passage(self, name: str) -> Passage:
        if self.is_translation:
            text = getattr(self._case, translation_field(name, self.language)) or ""
            if text:
                return Passage(text, self.language)
        return Passage(getattr(self._case, name), self.original_language)

    title = property(lambda self: self._passage("title"))
    summary = property(lambda self: self._passage("summary"))
    challenge = property(lambda self: self._passage("challenge"))
    approach = property(lambda self: self._passage("approach"))
    results = property(lambda self: self._passage("results"))
    lessons_learned = property(lambda self: self._passage("lessons_learned"))


class Evidence(models.TextChoices):
    """How far a case's results are backed: the levels a reader can filter by, each
    with a definition (EVIDENCE_DEFINITIONS) that the editor and the case page show."""

    UNKNOWN = "unknown", _("Not yet known")
    REPORTED = "reported", _("Reported by the city")
    MEASURED = "measured", _("Measured with data")
    EVALUATED = "evaluated", _("Independently evaluated")


EVIDENCE_DEFINITIONS: dict[str, Any] = {
    Evidence.UNKNOWN: _(
        "Nobody has said yet what came of the case, or its sources do not say."
    ),
    Evidence.REPORTED: _(
        "The city describes its results in its own words, without figures that "
        "others could check."
    ),
    Evidence.MEASURED: _(
        "The results are backed by data collected for the purpose (figures before "
        "and after, or during the work), which the case cites."
    ),
    Evidence.EVALUATED: _(
        "Someone independent of the city, such as a university or an auditor, "
        "assessed the results, and the case cites their evaluation."
    ),
}


# --- Completeness ----------------------------------------------------------------------


@dataclass(frozen=True)
class CompletenessItem:
    """One thing a complete case has: its weight in the score (the weights add up to
    100), what it is called, what to add, and the editor's field to add it in (the
    id of an element of templates/workspace/case_form.html)."""

    name: str
    weight: int
    label: Any  # lazy strings
    hint: Any
    field_id: str

    @property
    def anchor(self) -> str:
        return f"#{self.field_id}"


# What CaseStudy.completeness() checks, in the editor's order; docs/completeness.md
# explains the weights. The text of the case counts for half; what backs it
# (sources, evidence) for 30; when, how far and a picture for the rest.
COMPLETENESS_ITEMS: tuple[CompletenessItem, ...] = (
    CompletenessItem(
        "challenge",
        10,
        _("Challenge"),
        _("Say what problem the city faced."),
        "id_challenge",
    ),
    CompletenessItem(
        "approach",
        15,
        _("Approach"),
        _("Say what the city did, and how."),
        "id_approach",
    ),
    CompletenessItem(
        "results",
        15,
        _("Results"),
        _("Say what happened, with the evidence there is."),
        "id_results",
    ),
    CompletenessItem(
        "lessons_learned",
        10,
        _("Lessons learned"),
        _("Say what another city should know before trying this."),
        "id_lessons_learned",
    ),
    CompletenessItem(
        "evidence",
        15,
        _("Evidence of results"),
        _("Say how far the results are backed: reported, measured or evaluated."),
        "id_evidence_0",
    ),
    CompletenessItem(
        "lifecycle_stage",
        5,
        _("Lifecycle stage"),
        _("Say how far the innovation has come."),
        "id_lifecycle_stage_0",
    ),
    CompletenessItem(
        "years",
        5,
        _("Year started"),
        _("Give the year the case started."),
        "id_year_started",
    ),
    CompletenessItem(
        "image",
        10,
        _("Image with a description"),
        _("Add an image, and describe it for people who cannot see it."),
        "id_image_file",
    ),
    CompletenessItem(
        "sources",
        15,
        _("Sources"),
        _("Cite at least one document that backs what the case says."),
        "section-sources",
    ),
)
COMPLETENESS_BY_NAME = {item.name: item for item in COMPLETENESS_ITEMS}


@dataclass(frozen=True)
class Completeness:
    """How complete a case is: a score from 0 to 100, and what it still lacks (each
    item with its label, what to add and the editor's field), in the editor's order."""

    score: int
    missing: tuple[CompletenessItem, ...]

    @property
    def is_complete(self) -> bool:
        return not self.missing


class CaseVersionCredits(models.Model):
    """What a case's version records beside simple-history's own fields. A version
    made by approving a revision was written by one person and approved by another:
    its `history_user` is the officer who wrote the revision, `approved_by` the
    reviewer who approved it, and `revision` the revision itself (see
    CaseRevision.approve). Set from the case's `_history_approved_by` and
    `_history_revision`, as simple-history sets `history_user` from `_history_user`."""

    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("approved by"),
    )
    revision = models.ForeignKey(
        "innovation_cases.CaseRevision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("revision"),
    )

    class Meta:
        abstract = True


class CaseStudy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    # The fields an officer writes, in the editor's order: the one list that the
    # editor's form, the API's serializer, the exports and a revision take, each saying
    # what it leaves out or adds (core/fields.py).
    FIELDS = [
        "title",
        "city",
        "district",
        "teams",
        "partners",
        "original_language",
        "summary",
        *SECTION_FIELDS,
        *CLASSIFICATION_FIELDS,
        "year_started",
        "year_ended",
        "image",
        "image_alt",
        "image_credit",
    ]

    # While a case is one of these, its officers change it directly; once it is
    # published or archived, a change is a revision that a reviewer approves.
    EDITABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED)

    # The review workflow: draft -> submitted -> published -> archived; submitted ->
    # changes requested -> submitted again; submitted -> draft (withdrawn).
    STEPS = {
        step.name: step
        for step in (
            WorkflowStep(
                "submit",
                (Status.DRAFT, Status.CHANGES_REQUESTED),
                Status.SUBMITTED,
                by_reviewer=False,
                denied=_("Only the city's officers submit its cases."),
            ),
            WorkflowStep(
                "withdraw",
                (Status.SUBMITTED,),
                Status.DRAFT,
                by_reviewer=False,
                denied=_("Only the city's officers withdraw its cases."),
            ),
            WorkflowStep(
                "publish",
                (Status.SUBMITTED,),
                Status.PUBLISHED,
                by_reviewer=True,
                denied=_("Only the city's reviewers publish its cases."),
            ),
            WorkflowStep(
                "request_changes",
                (Status.SUBMITTED,),
                Status.CHANGES_REQUESTED,
                by_reviewer=True,
                denied=_("Only the city's reviewers review its cases."),
                needs_comment=True,
            ),
            WorkflowStep(
                "archive",
                (Status.PUBLISHED,),
                Status.ARCHIVED,
                by_reviewer=True,
                denied=_("Only the city's reviewers archive its cases."),
            ),
        )
    }

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
    original_language = models.CharField(
        _("original language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language the case is written in. Translations into the site's other "
            "languages are added beside it."
        ),
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
    evidence = models.CharField(
        _("evidence of results"),
        max_length=16,
        choices=Evidence.choices,
        default=Evidence.UNKNOWN,
        help_text=_(
            "How far the results are backed. Choose what the case's sources show."
        ),
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
    image = models.ImageField(
        _("image"),
        upload_to="cases/",
        max_length=200,
        blank=True,
        help_text=_(
            "JPEG, PNG or WebP. Stored as web-sized WebP renditions (see images.py)."
        ),
    )
    image_alt = models.CharField(
        _("image description"),
        max_length=300,
        blank=True,
        help_text=_(
            "What the image shows, for people who cannot see it. Required with an "
            "image."
        ),
    )
    image_credit = models.CharField(
        _("image credit"),
        max_length=200,
        blank=True,
        help_text=_("Who made the image, and its licence."),
    )
    # Made by `generate_synthetic_data` for load tests; `--delete` removes exactly these.
    is_synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    # Changed only by the workflow's methods below (submit, publish, ...).
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
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
    # Every change, with who made it and when. Taxonomies, teams and partners are
    # recorded with each version.
    history = HistoricalRecordsWithRelations(
        m2m_fields=RELATION_FIELDS, bases=[CaseVersionCredits]
    )
    # How many sources the case cites, where a query counted them in bulk
    # (CaseStudyQuerySet.with_source_count) or the editor did: CaseStudy.completeness.
    source_count: int
    # Set for one save by CaseRevision.approve (see CaseVersionCredits).
    _history_approved_by: Any
    _history_revision: CaseRevision

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
            # The API's case list is last modified when a published case last was:
            # from this index, the latest is one row (60 ms a request at 100,000
            # cases on PostgreSQL without it).
            models.Index(fields=["status", "updated_at"], name="case_status_updated"),
            # Each request for an image asks which cases use its folder, a prefix
            # (CaseStudyQuerySet.using_image): PostgreSQL serves LIKE 'prefix%' from
            # an index only with the pattern operator class, whatever the collation.
            models.Index(
                fields=["image"], name="case_image", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_started__isnull=True)
                | Q(year_started__gte=FIRST_YEAR, year_started__lte=LAST_YEAR),
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

    @property
    def image_renditions(self) -> list[Any]:
        """The image's web-sized renditions, smallest first (see images.py)."""
        from .images import renditions

        return renditions(self.image.name) if self.image.name else []

    # --- Languages ---------------------------------------------------------------------------

    def translation(self, language: str) -> dict[str, str]:
        """The case's translation into `language`, field by field ("" where a field
        is not translated); every field "" if there is none (the original's language
        has none: its text is the case's own)."""
        if language == self.original_language:
            return dict.fromkeys(TEXT_FIELDS, "")
        return self._translation_columns(language)

    def _translation_columns(self, language: str) -> dict[str, str]:
        """What the columns of the translation into `language` hold ("" for none),
        the original's language's included (which clean() keeps empty)."""
        return {
            name: getattr(self, translation_field(name, language), None) or ""
            for name in TEXT_FIELDS
        }

    def translations(self) -> dict[str, dict[str, str]]:
        """Each language the case is translated into, in the site's order, with its
        translation."""
        found = {}
        for language in LANGUAGE_CODES:
            translation = self.translation(language)
            if any(translation.values()):
                found[language] = translation
        return found

    def card_translations(self) -> list[tuple[str, str, str]]:
        """Each language the case is translated into, with the translation's title
        and summary: what a card shows, read from the columns a card's query loads
        (CARD_TRANSLATION_FIELDS; translations() would load each section too)."""
        return [
            (
                language,
                title,
                getattr(self, translation_field("summary", language)) or "",
            )
            for language in LANGUAGE_CODES
            if language != self.original_language
            and (title := getattr(self, translation_field("title", language)) or "")
        ]

    def languages(self) -> list[str]:
        """The languages the case can be read in: its original's and its
        translations', in the site's order."""
        translated = self.translations()
        return [
            code
            for code in LANGUAGE_CODES
            if code == self.original_language or code in translated
        ]

    def in_language(self, language: str) -> CaseText:
        """The case as a reader of `language` is shown it (CaseText)."""
        return CaseText(self, language)

    def _clean_translations(self, errors: dict[str, Any]) -> None:
        for language in LANGUAGE_CODES:
            values = self._translation_columns(language)
            if not any(value.strip() for value in values.values()):
                continue
            if language == self.original_language:
                errors["original_language"] = _(
                    "The case has a translation into %(language)s, so that cannot be "
                    "its original language too. Remove the translation first, or "
                    "choose the language the case is written in."
                ) % {"language": language_name(language)}
                continue
            for name in TRANSLATION_REQUIRED:
                if not values[name].strip():
                    errors[translation_field(name, language)] = _(
                        "A translation needs a title and a summary, as the original "
                        "does."
                    )

    # --- History ---------------------------------------------------------------------------

    @transaction.atomic
    def restore_version(self, version: Any, *, by: Any) -> None:
        """Give the case the content of an earlier `version`, as a new version by `by`.

        What comes back is what a revision may change: the text, the years, the place,
        the image and the relations (`CaseRevision.FIELDS` and `RELATION_FIELDS`). The
        status and the publication date stay as they are: a restore brings back words,
        it does not move the case through review (that is the workflow's job, and its
        log's); nor do the city or the slug change, so links keep working. Since the
        restore is itself saved as a version, the version it replaced can be restored
        in turn: nothing is lost. Related records deleted since are left out. The
        workspace and the admin both restore this way.
        """
        self.lock()  # The status and the rest as they are now, not as first read.
        for name in CaseRevision.FIELDS:
            # The case's own fields: not reverse relations.
            field = cast(models.Field, self._meta.get_field(name))
            value = getattr(version, field.attname)
            if field.is_relation and value is not None:
                # A relation's related_model is a model (not None, not "self").
                related = field.related_model._default_manager  # type: ignore[union-attr]
                value = value if related.filter(pk=value).exists() else None
            setattr(self, field.attname, value)
        self.updated_by = by
        self._history_user = by
        self._change_reason = restore_note(version)
        save_with_relations(self, version_relations(version))

    # --- Editing ----------------------------------------------------------------------------

    def edit_token(self, revision: CaseRevision | None = None) -> str:
        """A fingerprint of what an editor starts from: the case's own text, place,
        relations and sources, or those of its open `revision`. The editor sends it
        back with a save, which is refused if the fingerprint has changed since, so
        that nobody overwrites a colleague's edit unawares. Only the content counts:
        a workflow step taken meanwhile (a submit) is no conflict."""
        if revision is not None:
            data = revision.data
        else:
            data = CaseRevision.snapshot(self.revisable_values())
        return etag_for({"city": self.city_id, **data}, "editor").strip('"')

    def revisable_values(self) -> dict[str, Any]:
        """What a revision may change, as the case has it now: its fields
        (CaseRevision.FIELDS, translations included), relations and sources."""
        values: dict[str, Any] = {
            name: getattr(self, name) for name in CaseRevision.FIELDS
        }
        values.update(
            {name: list(getattr(self, name).all()) for name in RELATION_FIELDS}
        )
        values["sources"] = self.source_rows()
        return values

    # --- Completeness ------------------------------------------------------------------------

    @property
    def evidence_definition(self) -> Any:
        return EVIDENCE_DEFINITIONS[Evidence(self.evidence)]

    def completeness(self) -> Completeness:
        """How complete the case is, and what it lacks: the one place the rules are
        written (the weights are COMPLETENESS_ITEMS'). Derived, never stored: the
        editor, the workspace, the case page and the search index (which sorts by it)
        all ask this.

        The sources are counted from `source_count` where a query annotated it
        (`CaseStudyQuerySet.with_source_count`, as the indexer and the dashboard
        do, in bulk), else from `sources.all()` (prefetched, or one query).
        """
        count = getattr(self, "source_count", None)
        if count is None:
            count = len(self.sources.all())
        has_image = bool(self.image)
        present = {
            **{
                name: bool((getattr(self, name) or "").strip())
                for name in SECTION_FIELDS
            },
            "evidence": self.evidence != Evidence.UNKNOWN,
            "lifecycle_stage": self.lifecycle_stage_id is not None,
            "years": self.year_started is not None,
            "image": has_image and bool(self.image_alt.strip()),
            "sources": count > 0,
        }
        missing = []
        for item in COMPLETENESS_ITEMS:
            if present[item.name]:
                continue
            if item.name == "image" and has_image:
                # The image is there: what it lacks is its description.
                item = dataclasses.replace(
                    item,
                    hint=_("Describe the image for people who cannot see it."),
                    field_id="id_image_alt",
                )
            missing.append(item)
        score = 100 - sum(item.weight for item in missing)
        return Completeness(score=max(0, min(100, score)), missing=tuple(missing))

    # --- Sources --------------------------------------------------------------------------

    def source_rows(self) -> list[dict[str, Any]]:
        """The case's sources as plain values, in order: what an editor's sources
        formset starts from, and what a revision stores."""
        return [
            {"id": source.pk, **source_values(source)} for source in self.sources.all()
        ]

    @transaction.atomic
    def set_sources(self, rows: list[dict[str, Any]]) -> None:
        """Make the case's sources these rows: a row with the id of one of this case's
        sources changes it, a row without one adds a source, and the sources no row
        names are removed (each step recorded in the sources' history). An id of
        another record's source is treated as a new source, never as that one."""
        current = {source.pk: source for source in self.sources.all()}
        kept = set()
        for row in rows:
            values = {
                name: row.get(name) or SOURCE_DEFAULTS[name] for name in SOURCE_FIELDS
            }
            source = current.get(row.get("id"))
            if source is None:
                self.sources.create(**values)
                continue
            kept.add(source.pk)
            if source_values(source) != {
                name: _plain(value) for name, value in values.items()
            }:
                for name, value in values.items():
                    setattr(source, name, value)
                source.save()
        for pk, source in current.items():
            if pk not in kept:
                source.delete()

    def clean(self) -> None:
        errors = {}
        if self.image and not self.image_alt.strip():
            errors["image_alt"] = _("Describe the image for people who cannot see it.")
        if (
            self.year_started is not None
            and self.year_ended is not None
            and self.year_ended < self.year_started
        ):
            errors["year_ended"] = _("A case cannot end before it started.")
        if (
            self.district_id is not None
            and self.city_id is not None
            # district_id is set: the district is not None.
            and cast("District", self.district).city_id != self.city_id
        ):
            errors["district"] = _("The district must be in the case's city.")
        self._clean_translations(errors)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if errors:
            raise ValidationError(errors)

    # --- The review workflow ---------------------------------------------------------------
    # The steps of STEPS, one method each. Each checks who may take it (the per-city
    # rule on CityQuerySet) and from what state, records a Review, and mails the
    # case's officer on a decision.

    def lock(self) -> None:
        """Lock the case's row until the transaction ends, and read it again.

        Every step below, a revision's approval and a restore start with it, so that
        each decides on the case as it is, not as this copy last saw it: of two
        reviewers publishing at once, one publishes and the other is told the case
        is already published; an approval never overwrites an archiving. (On SQLite,
        which has no row locks, the writes are serialised by IMMEDIATE transactions:
        see DATABASES in config/settings.py.)
        """
        self.refresh_from_db(from_queryset=CaseStudy.objects.locked())

    def _check(self, name: str, by: Any) -> WorkflowStep:
        """Refuse the step unless `by` may take it, and the case is where it starts."""
        step = self.STEPS[name]
        allowed = (
            self.can_be_reviewed_by(by)
            if step.by_reviewer
            else self.can_be_edited_by(by)
        )
        if not allowed:
            raise PermissionDenied(step.denied)
        if self.status not in step.sources:
            raise InvalidTransition(
                _("A case that is “%(status)s” cannot do that.")
                % {"status": self.get_status_display()}
            )
        return step

    def steps_for(self, user: Any) -> list[str]:
        """The steps `user` may take on the case as it is now, in STEPS' order (the
        methods decide again when one is taken)."""
        may = {
            False: self.can_be_edited_by(user),
            True: self.can_be_reviewed_by(user),
        }
        return [
            step.name
            for step in self.STEPS.values()
            if may[step.by_reviewer] and self.status in step.sources
        ]

    def officer_steps(self) -> list[WorkflowStep]:
        """The officers' steps (submit, withdraw) that lead on from the case's state."""
        return [
            step
            for step in self.STEPS.values()
            if not step.by_reviewer and self.status in step.sources
        ]

    def officer_step_to(self, status: str) -> WorkflowStep | None:
        """The officer's step that takes the case from its state to `status`, if there
        is one: what the API takes a written status to mean."""
        return next((s for s in self.officer_steps() if s.target == status), None)

    def take_step(self, name: str, *, by: Any, comment: str = "") -> None:
        """Take the step named `name` (a key of STEPS) through its method."""
        step = self.STEPS[name]
        method = getattr(self, name)
        if step.by_reviewer:
            method(by=by, comment=comment)
        else:
            method(by=by)

    def can_be_edited_by(self, user: Any) -> bool:
        return City.objects.is_editable_by(user, self.city_id)

    def can_be_reviewed_by(self, user: Any) -> bool:
        return City.objects.is_reviewed_by(user, self.city_id)

    @transaction.atomic
    def submit(self, *, by: Any) -> None:
        """An officer of the case's city sends it to review."""
        self.lock()
        step = self._check("submit", by)
        self._move_to(step.target, by=by)
        Review.objects.create(
            case=self, reviewer=by, decision=Review.Decision.SUBMITTED
        )

    @transaction.atomic
    def withdraw(self, *, by: Any) -> None:
        """An officer takes a submitted case back to work on it as a draft."""
        self.lock()
        step = self._check("withdraw", by)
        self._move_to(step.target, by=by)

    @transaction.atomic
    def publish(self, *, by: Any, comment: str = "") -> None:
        """A reviewer of the case's city publishes it: the public sees it from now."""
        self.lock()
        step = self._check("publish", by)
        self.published_at = timezone.now()
        self._move_to(step.target, by=by)
        self._decide(Review.Decision.PUBLISHED, by=by, comment=comment)

    @transaction.atomic
    def request_changes(self, *, by: Any, comment: str) -> None:
        """A reviewer sends the case back to its officers, saying what to change."""
        self.lock()
        step = self._check("request_changes", by)
        if not comment.strip():
            raise ValidationError({"comment": _("Say what should change.")})
        self._move_to(step.target, by=by)
        self._decide(Review.Decision.CHANGES_REQUESTED, by=by, comment=comment)

    @transaction.atomic
    def archive(self, *, by: Any, comment: str = "") -> None:
        """A reviewer takes a published case off the public site (nothing is lost)."""
        self.lock()
        step = self._check("archive", by)
        self._move_to(step.target, by=by)
        self._decide(Review.Decision.ARCHIVED, by=by, comment=comment)

    def _move_to(self, status: str, *, by: Any) -> None:
        self.status = status
        self.updated_by = by
        self._history_user = by
        self.save()

    def _decide(self, decision: str, *, by: Any, comment: str) -> None:
        review = Review.objects.create(
            case=self, reviewer=by, decision=decision, comment=comment
        )
        transaction.on_commit(review.notify)


class InvalidTransition(Exception):
    """The case is not in a state where that step can be taken."""


class Review(models.Model):
    """One step of a case's review: who took it, when, and what they said."""

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")
        REVISION_SUBMITTED = "revision_submitted", _("Revision submitted")
        REVISION_APPROVED = "revision_approved", _("Revision approved")
        REVISION_CHANGES_REQUESTED = (
            "revision_changes_requested",
            _("Changes to the revision requested"),
        )
        REVISION_REJECTED = "revision_rejected", _("Revision rejected")

    case = models.ForeignKey(
        CaseStudy,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("case"),
    )
    revision = models.ForeignKey(
        "CaseRevision",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("revision"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    decision = models.CharField(_("decision"), max_length=32, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")

    def __str__(self) -> str:
        return f"{self.case}: {self.get_decision_display()}"

    def recipients(self) -> list[str]:
        """Who hears of a decision: the officer who wrote the case (or revision), or
        else every officer of the case's city."""
        author = self.revision.created_by if self.revision else self.case.created_by
        if author is not None and author.email and author.is_active:
            return [author.email]
        officers = self.case.city.memberships.filter(
            role="officer", user__is_active=True
        ).exclude(user__email="")
        return sorted(officers.values_list("user__email", flat=True))

    def workspace_url(self) -> str:
        """The workspace page the decision is about: the revision's, or the case's."""
        if self.revision_id is not None:
            return reverse("workspace:revision_detail", kwargs={"pk": self.revision_id})
        return reverse("workspace:case_detail", kwargs={"slug": self.case.slug})

    def notify(self) -> None:
        """Mails the decision, with the reviewer's comment and a link to its page.

        Called once the transaction commits, outside any request: the link is under
        SITE_URL (core/mail.py).
        """
        recipients = self.recipients()
        if not recipients:
            return
        site_mail(
            to=recipients,
            subject_template="innovation_cases/email/review_subject.txt",
            text_template="innovation_cases/email/review_body.txt",
            html_template="innovation_cases/email/review_body.html",
            context={
                "review": self,
                "case": self.case,
                "link": absolute_url(self.workspace_url()),
            },
        ).send()


class CaseRevisionQuerySet(models.QuerySet["CaseRevision"]):
    def of_member_cities(self, user: Any) -> CaseRevisionQuerySet:
        """The revisions of cases of the cities `user` is a member of (all for staff)."""
        return self.filter(case__city__in=City.objects.with_member(user).values("pk"))

    def proposing_image(self, folder: str) -> CaseRevisionQuerySet:
        """The revisions that propose the image stored in `folder` (see images.py)."""
        return self.filter(data__fields__image__startswith=f"{folder}/")

    def open(self) -> CaseRevisionQuerySet:
        """Revisions still to be decided, or sent back to their officer."""
        return self.filter(
            status__in=[
                CaseRevision.Status.PENDING,
                CaseRevision.Status.CHANGES_REQUESTED,
            ]
        )


class CaseRevision(models.Model):
    """A proposed change to a published case. The public keeps seeing the published
    text until a reviewer approves the revision; then it becomes the case's text (and
    a version in the case's history)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    # What a revision may change: the case's fields, but its city (a revision never
    # moves a case to another city) and its relations, which it records apart, as
    # RELATION_FIELDS.
    # A translation is a change like any other: its columns are among the fields.
    FIELDS = [
        *field_list(CaseStudy.FIELDS, leave_out=["city", *RELATION_FIELDS]),
        *TRANSLATION_FIELDS,
    ]

    case = models.ForeignKey(
        CaseStudy,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("case"),
    )
    # {"fields": {name: value or related pk}, "relations": {name: [pk, ...]},
    #  "sources": [{"id": pk or None, "title": ..., ...}, ...]}
    data = models.JSONField(_("proposed values"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = CaseRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["pending", "changes_requested"]),
                name="one_open_revision_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} ({self.get_status_display()})"

    # --- Making one -------------------------------------------------------------------------

    @staticmethod
    def snapshot(values: dict[str, Any]) -> dict[str, Any]:
        """The JSON form of a case's revisable values (model instances as their pks)."""
        fields = {}
        for name in CaseRevision.FIELDS:
            value = values.get(name)
            fields[name] = (
                value.pk if isinstance(value, models.Model) else _plain(value)
            )
        relations = {
            name: sorted(item.pk for item in values.get(name) or [])
            for name in RELATION_FIELDS
        }
        sources = [
            {"id": row.get("id"), **{n: _plain(row.get(n)) for n in SOURCE_FIELDS}}
            for row in values.get("sources") or []
        ]
        return {"fields": fields, "relations": relations, "sources": sources}

    @classmethod
    @transaction.atomic
    def propose(
        cls, *, case: CaseStudy, by: Any, values: dict[str, Any]
    ) -> CaseRevision:
        """An officer's change to a published case, waiting for review. An officer's
        open revision of the case is updated rather than doubled."""
        if not case.can_be_edited_by(by):
            raise PermissionDenied(_("Only the city's officers change its cases."))
        # Locked first, so that two officers proposing at once update one revision
        # rather than both making one (which the database would refuse).
        case.lock()
        if case.status != CaseStudy.Status.PUBLISHED:
            raise InvalidTransition(_("Only a published case is revised; edit it."))
        revision = cls.objects.open().select_for_update().filter(case=case).first()
        if revision is None:
            revision = cls(case=case)
            start = case.revisable_values()
        else:
            start = revision.proposed_values()
        # What `values` leaves out stays as the change starts from: the case, or
        # the open revision (the editor's form has no translations, the translation
        # editor nothing else).
        revision.data = cls.snapshot({**start, **values})
        revision.status = cls.Status.PENDING
        revision.created_by = by
        revision.save()
        Review.objects.create(
            case=case,
            revision=revision,
            reviewer=by,
            decision=Review.Decision.REVISION_SUBMITTED,
        )
        return revision

    # --- Reading one -------------------------------------------------------------------------

    def proposed_values(self) -> dict[str, Any]:
        """The proposed fields and relations, as model instances."""
        return self._values_from(self.data)

    def replaced_values(self) -> dict[str, Any]:
        """What the revision is shown against: the case as published now, while the
        revision waits; once decided, the case as it was when the decision was taken
        (kept in `data["published"]`), so that an approved revision still shows what
        it changed. For one approved before that was kept, the case's version before
        the one the approval made."""
        if "published" in self.data:
            return self._values_from(self.data["published"])
        if self.status == self.Status.APPROVED:
            version = self.case.history.filter(revision=self).first()
            previous = version.prev_record if version is not None else None
            if previous is not None:
                fields = {}
                for name in self.FIELDS:
                    field = cast(models.Field, CaseStudy._meta.get_field(name))
                    fields[name] = _plain(getattr(previous, field.attname))
                relations = {
                    name: sorted(item.pk for item in records)
                    for name, records in version_relations(previous).items()
                }
                # The sources were not recorded with the case: shown as proposed.
                sources = self.data.get("sources", [])
                return self._values_from(
                    {"fields": fields, "relations": relations, "sources": sources}
                )
        return self.case.revisable_values()

    def proposed_case(self) -> CaseStudy:
        """The case as the revision proposes it, unsaved and without its relations:
        for what is read from its own fields (its completeness, its evidence), with
        no query. A field the revision does not hold (proposed before there was one)
        is the case's."""
        copy = CaseStudy(pk=self.case_id)
        fields = self.data["fields"]
        for name in self.FIELDS:
            field = cast(models.Field, CaseStudy._meta.get_field(name))
            value = (
                fields[name] if name in fields else getattr(self.case, field.attname)
            )
            setattr(copy, field.attname, value)
        copy.source_count = len(self.data.get("sources", []))
        return copy

    def _values_from(self, data: dict[str, Any]) -> dict[str, Any]:
        """A snapshot (see `snapshot`) as model instances."""
        model_fields = {f.name: f for f in CaseStudy._meta.get_fields()}
        values: dict[str, Any] = {}
        for name, value in data["fields"].items():
            field = model_fields[name]
            if field.is_relation and value is not None:
                # A relation's related_model is a model (not None).
                value = field.related_model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
            values[name] = value
        for name, pks in data["relations"].items():
            values[name] = list(
                model_fields[name].related_model._default_manager.filter(pk__in=pks)  # type: ignore[union-attr]  # as above
            )
        # Revisions proposed before sources or translations were part of one leave
        # them as they are.
        for name in self.FIELDS:
            if name not in values:
                values[name] = getattr(self.case, name)
        values["sources"] = data.get("sources", self.case.source_rows())
        return values

    def diff(self) -> list[dict[str, Any]]:
        """Each field the revision changes: its label, the replaced value (see
        `replaced_values`) and the proposed one (lists of names for relations)."""
        changes = []
        proposed = self.proposed_values()
        replaced = self.replaced_values()
        for name in [*self.FIELDS, *RELATION_FIELDS]:
            # The case's own fields: not reverse relations.
            field = cast(models.Field, CaseStudy._meta.get_field(name))
            old: Any = replaced[name]
            new: Any = proposed[name]
            if name in RELATION_FIELDS:
                old = sorted(str(item) for item in old)
                new = sorted(str(item) for item in new)
            elif name == "evidence":
                # A level as its label, as the history shows choices.
                old, new = (Evidence(v).label if v else v for v in (old, new))
            elif isinstance(old, models.fields.files.FieldFile) or isinstance(
                new, models.fields.files.FieldFile
            ):
                old, new = _plain(old) or "", _plain(new) or ""
            if old != new:
                changes.append(
                    {"name": name, "label": field.verbose_name, "old": old, "new": new}
                )
        old_sources = [
            {n: _plain(row.get(n)) for n in SOURCE_FIELDS}
            for row in replaced["sources"]
        ]
        new_sources = [
            {n: _plain(row.get(n)) for n in SOURCE_FIELDS}
            for row in proposed["sources"]
        ]
        if old_sources != new_sources:
            changes.append(
                {
                    "name": "sources",
                    "label": Source._meta.verbose_name_plural,
                    "old": [source_line(row) for row in old_sources],
                    "new": [source_line(row) for row in new_sources],
                }
            )
        return changes

    # --- Deciding -----------------------------------------------------------------------------

    def lock(self) -> None:
        """Lock the case's row and then the revision's, and read both again (always
        in that order, as every writer of a case locks it first: no deadlock), so
        that of two reviewers deciding at once, only the first decision applies."""
        self.case.lock()
        self.refresh_from_db(
            fields=[
                "data",
                "status",
                "created_by",
                "decided_by",
                "decided_at",
                "updated_at",
            ],
            from_queryset=CaseRevision.objects.order_by().select_for_update(
                no_key=True, of=("self",)
            ),
        )

    def _decide(self, status: str, decision: str, *, by: Any, comment: str) -> None:
        if not self.case.can_be_reviewed_by(by):
            raise PermissionDenied(_("Only the city's reviewers review its revisions."))
        self.lock()
        if self.status != self.Status.PENDING:
            raise InvalidTransition(_("This revision is not waiting for review."))
        self.status = status
        self.decided_by = by
        self.decided_at = timezone.now()
        if status in (self.Status.APPROVED, self.Status.REJECTED):
            # What it was decided against, which the case will not keep being.
            self.data = {
                **self.data,
                "published": self.snapshot(self.case.revisable_values()),
            }
        self.save()
        review = Review.objects.create(
            case=self.case,
            revision=self,
            reviewer=by,
            decision=decision,
            comment=comment,
        )
        transaction.on_commit(review.notify)

    @transaction.atomic
    def approve(self, *, by: Any, comment: str = "") -> None:
        """The revision becomes the published text: one new version of the case."""

        self.lock()
        if self.case.status != CaseStudy.Status.PUBLISHED:
            raise InvalidTransition(
                _(
                    "The case is no longer published, so this revision cannot be "
                    "applied to it."
                )
            )
        self._decide(
            self.Status.APPROVED,
            Review.Decision.REVISION_APPROVED,
            by=by,
            comment=comment,
        )
        values = self.proposed_values()
        case = self.case
        for name in self.FIELDS:
            setattr(case, name, values[name])
        case.updated_by = by
        # The version credits the officer who wrote the change and the reviewer who
        # approved it, both (CaseVersionCredits).
        case._history_user = self.created_by
        case._history_approved_by = by
        case._history_revision = self
        try:
            save_with_relations(case, {name: values[name] for name in RELATION_FIELDS})
        finally:
            del case._history_approved_by, case._history_revision
        case.set_sources(values["sources"])

    @transaction.atomic
    def request_changes(self, *, by: Any, comment: str) -> None:
        if not comment.strip():
            raise ValidationError({"comment": _("Say what should change.")})
        self._decide(
            self.Status.CHANGES_REQUESTED,
            Review.Decision.REVISION_CHANGES_REQUESTED,
            by=by,
            comment=comment,
        )

    @transaction.atomic
    def reject(self, *, by: Any, comment: str) -> None:
        if not comment.strip():
            raise ValidationError({"comment": _("Say why the revision is rejected.")})
        self._decide(
            self.Status.REJECTED,
            Review.Decision.REVISION_REJECTED,
            by=by,
            comment=comment,
        )


class IndexJournalEntry(models.Model):
    """One change to what the public sees of a case, for the search index.

    Written in the same transaction as the change (innovation_cases/engine/journal.py
    records it from the signals), so it exists exactly when the change is committed.
    Every machine's index replays the entries it has not applied yet before it answers
    a question. `case_id` is not a foreign key: the entry outlives a deleted case, which
    is what it records. An entry without a case asks for a whole rebuild (after a bulk
    load that bypassed the signals)."""

    id = models.BigAutoField(primary_key=True)
    case_id = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("search index journal entry")
        verbose_name_plural = _("search index journal entries")

    def __str__(self) -> str:
        what = f"case {self.case_id}" if self.case_id is not None else "everything"
        return f"#{self.id}: {what} at {self.created_at:%Y-%m-%d %H:%M:%S}"


@receiver(pre_create_historical_record, sender=CaseStudy.history.model)
def _credit_the_approval(
    sender: Any, instance: Any, history_instance: Any, **kwargs: Any
) -> None:
    """Fill CaseVersionCredits' fields of a case's new version (see there)."""
    history_instance.approved_by = getattr(instance, "_history_approved_by", None)
    history_instance.revision = getattr(instance, "_history_revision", None)

"""What both apps share: the vocabularies that classify cases and capacity, and the
sources (citations) that back any record.

They were declared in `innovation_cases` until the apps were layered (issue 16); their
tables keep their rows, renamed by `innovation_cases` migration 0014.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validators import validate_web_url

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
        from .vocabularies import BY_MODEL  # It lists the models of this module.

        return BY_MODEL[type(self)].name

    @property
    def vocabulary(self) -> str:
        """The vocabulary's name, e.g. "Innovation type", for headings and labels."""
        return str(self._meta.verbose_name).capitalize()


# modeltranslation replaces its manager at start-up (core/translation.py), with
# a class django-stubs cannot see.
class InnovationType(Term):  # type: ignore[django-manager-missing]
    """OPSI's four facets, which differ in uncertainty and in how they are directed."""

    url_name = "innovation_cases:type_detail"

    class Meta(Term.Meta):
        verbose_name = _("innovation type")
        verbose_name_plural = _("innovation types")


class Driver(Term):  # type: ignore[django-manager-missing]  # as above
    class Group(models.TextChoices):
        INTERNAL = "internal", _("Internal")
        EXTERNAL = "external", _("External")

    group = models.CharField(_("group"), max_length=16, choices=Group.choices)

    url_name = "innovation_cases:driver_detail"

    class Meta(Term.Meta):
        ordering = ["group", "position", "name"]
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")


class Approach(Term):  # type: ignore[django-manager-missing]  # as above
    class Meta(Term.Meta):
        verbose_name = _("approach")
        verbose_name_plural = _("approaches")


class Theme(Term):  # type: ignore[django-manager-missing]  # as above
    url_name = "innovation_cases:theme_detail"

    class Meta(Term.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class LifecycleStage(Term):  # type: ignore[django-manager-missing]  # as above
    class Meta(Term.Meta):
        verbose_name = _("lifecycle stage")
        verbose_name_plural = _("lifecycle stages")


# --- Sources ---------------------------------------------------------------------------------


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
    url = models.URLField(
        _("URL"), max_length=500, blank=True, validators=[validate_web_url]
    )
    published_on = models.DateField(_("date"), null=True, blank=True)
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("What this source supports, or a short quote."),
    )
    # Every change, as for the records it backs: a case's sources change with it.
    history = HistoricalRecords()

    class Meta:
        ordering = ["published_on", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="source_target"),
        ]

    def __str__(self) -> str:
        return self.title


def source_line(row: Any) -> str:
    """A source in one line, for a diff: its title, who published it, when, where, and
    its note. `row` is a mapping of Source's fields, or a Source (or a version of one)."""
    if not isinstance(row, Mapping):
        row = {name: getattr(row, name) for name in SOURCE_LINE_FIELDS}
    parts = [row.get("title") or "", row.get("publisher") or "", row.get("url") or ""]
    if row.get("published_on"):
        parts.insert(2, str(row["published_on"]))
    line = " · ".join(part for part in parts if part)
    return f"{line}: {row['note']}" if row.get("note") else line


SOURCE_LINE_FIELDS = ["title", "publisher", "url", "published_on", "note"]

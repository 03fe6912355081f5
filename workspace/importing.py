"""The spreadsheet import: which columns each kind of record takes, what a file's rows
would do (the preview), and doing it (the confirmation).

One rule lives in one place: each row is validated by the form the workspace's editor
uses for that kind of record (CaseForm; the city profile's CityRecordForm), built for
the importing user, so that the per-city rule, the vocabularies, the years and the
model's clean() say here what they say in the editor. The columns are that form's
fields (all but the image's, which a spreadsheet cannot hold), so a field added to the
form becomes a column without a change here. A cell is turned into what the form takes
from a page, and nothing more: a relation is named by its slug (`to_field_name`), several
values are separated by LIST_SEPARATOR, as the exports write them.

A row names the record it changes by its slug; a row without one adds a record. A case
is added as a draft; a change to a published case is a revision for review
(CaseRevision.propose); every record saved is one version in its history, by the
officer (save_with_relations).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.models import City
from innovation_cases.forms import CaseForm
from innovation_cases.models import RELATION_FIELDS, CaseRevision, CaseStudy

from .cases import case_save_draft
from .profiles import KINDS as PROFILE_KINDS
from .profiles import ProfileKind
from .spreadsheets import LIST_SEPARATOR, Table, starts_formula

# Words a yes/no column takes as yes; anything else (an empty cell too) is no.
TRUE_WORDS = frozenset(["true", "yes", "1", "x", "y"])
# A relation's values listed in the notes, at most (a column of many partners).
MAX_LISTED_VALUES = 500

# --- Cells ---------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A stored value as a cell: a record by its slug, several by their slugs joined
    by LIST_SEPARATOR, a date as YYYY-MM-DD, yes/no as true/false."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(getattr(value, "slug", value.pk))
    if isinstance(value, models.QuerySet | list | tuple | set):
        return LIST_SEPARATOR.join(sorted(cell_text(item) for item in value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return (
            format(value.normalize(), "f")
            if value == value.to_integral()
            else str(value)
        )
    return str(value)


def _plain(value: Any) -> Any:
    """A value to compare: records by pk, several as a sorted list of pks."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(_plain(item) for item in value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def _shown(value: Any) -> Any:
    """A value as the preview and the diff show it: records by name."""
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(str(item) for item in value)
    if value is None:
        return ""
    return str(value) if isinstance(value, models.Model) else value


def form_data(form_fields: dict[str, forms.Field], cells: dict[str, str]) -> dict:
    """The cells as a page would send them to the form."""
    data: dict[str, Any] = {}
    for name, text in cells.items():
        form_field = form_fields.get(name)
        if form_field is None:
            continue
        text = text.strip()
        if isinstance(form_field, forms.ModelMultipleChoiceField):
            data[name] = [v.strip() for v in text.split(LIST_SEPARATOR) if v.strip()]
        elif isinstance(form_field, forms.BooleanField):
            data[name] = "true" if text.lower() in TRUE_WORDS else "false"
        else:
            data[name] = text
    return data


def _by_slug(form: forms.BaseForm, city: City | None) -> None:
    """Make the form's relations take slugs, as the cells name records by them. A slug
    unique only within a city (a district's) is looked for in the row's city."""
    for form_field in form.fields.values():
        # A disabled field keeps the record's value (a pk), never read from a cell.
        if not isinstance(form_field, forms.ModelChoiceField) or form_field.disabled:
            continue
        queryset = cast(models.QuerySet[Any], form_field.queryset)
        model = queryset.model
        try:
            slug = model._meta.get_field("slug")
        except FieldDoesNotExist:
            continue
        form_field.to_field_name = "slug"
        if not getattr(slug, "unique", False) and city is not None:
            form_field.queryset = queryset.filter(city=city)


# --- Kinds of record ----------------------------------------------------------------------


@dataclass
class Row:
    """What one row of the file would do."""

    number: int
    slug: str
    action: str = "create"  # create, update, unchanged or error
    # An update that is a revision for review (of a published case), not a write.
    for_review: bool = False
    title: str = ""
    # Each column of the file: (column, the value as it will be stored, its error).
    cells: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: str = ""
    # For the preview page: the changes as diff rows, the cells in the file's order.
    diff: list[dict[str, Any]] = field(default_factory=list)
    row_cells: list[dict[str, str]] = field(default_factory=list)
    form: Any = None
    instance: Any = None

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "slug": self.slug,
            "action": self.action,
            "for_review": self.for_review,
            "values": {cell["column"]: cell["value"] for cell in self.cells},
            "errors": self.errors,
            "notes": self.notes,
            "changes": [
                {"field": change["name"], "old": change["old"], "new": change["new"]}
                for change in self.changes
            ],
        }


class RowError(LookupError):
    """What is wrong with a row's slug or city, and in which column."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class ImportKind:
    """One kind of record an officer imports: its columns, its form, how a row finds
    the record it changes, and how a valid row is saved."""

    key: str
    model: type[models.Model]
    title_field = "name"

    @property
    def label_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def columns(self) -> list[str]:
        raise NotImplementedError

    def form_for(self, user: Any, cells: dict[str, str], instance: Any) -> Any:
        raise NotImplementedError

    def find(self, user: Any, slug: str, cells: dict[str, str]) -> Any:
        """The record the row changes; RowError if none may be."""
        raise NotImplementedError

    def records(self, city: City) -> models.QuerySet[Any]:
        """The city's records, as the template filled in with them lists them."""
        raise NotImplementedError

    def fingerprint(self, instance: Any) -> str:
        raise NotImplementedError

    def goes_to_review(self, instance: Any) -> bool:
        """Whether a change to `instance` waits for a reviewer (see save)."""
        return False

    def save(self, row: Row, user: Any) -> tuple[str, str]:
        """Save a valid row; what was done ("created", "updated", "proposed") and
        the address of the record in the workspace."""
        raise NotImplementedError

    def cells_of(self, instance: Any) -> dict[str, str]:
        """A record as a row of the template."""
        return {
            column: cell_text(self.value_of(instance, column))
            for column in self.columns()
        }

    def value_of(self, instance: Any, column: str) -> Any:
        value = getattr(instance, column)
        if isinstance(self.model._meta.get_field(column), models.ManyToManyField):
            return list(value.all())
        return value

    def blank_form(self, user: Any) -> Any:
        return self.form_for(user, {}, None)


CASE_LEFT_OUT = [
    "image_file",
    "remove_image",
    "pending_image",
    "image_alt",
    "image_credit",
]


class CaseImport(ImportKind):
    key = "cases"
    model = CaseStudy
    title_field = "title"

    def columns(self) -> list[str]:
        return ["slug", *(n for n in CaseForm.base_fields if n not in CASE_LEFT_OUT)]

    def form_for(self, user: Any, cells: dict[str, str], instance: Any) -> CaseForm:
        form = CaseForm(
            form_data(CaseForm.base_fields, cells),
            instance=instance if instance is not None else CaseStudy(),
            user=user,
        )
        city = None
        if instance is not None:
            city = instance.city
        elif cells.get("city"):
            city = City.objects.filter(slug=cells["city"].strip()).first()
        _by_slug(form, city)
        return form

    def find(self, user: Any, slug: str, cells: dict[str, str]) -> CaseStudy:
        case = (
            CaseStudy.objects.editable_by(user)
            .select_related("city")
            .filter(slug=slug)
            .first()
        )
        if case is None:
            raise RowError(
                "slug",
                _(
                    "No case of your cities has this slug. Leave the slug empty to "
                    "add a new case."
                ),
            )
        if case.status == CaseStudy.Status.ARCHIVED:
            raise RowError(
                "slug", _("An archived case is kept as it was when it was archived.")
            )
        return case

    def records(self, city: City) -> models.QuerySet[Any]:
        return (
            CaseStudy.objects.for_city(city)
            .exclude(status=CaseStudy.Status.ARCHIVED)
            .select_related("city", "district", "lifecycle_stage")
            .prefetch_related(*RELATION_FIELDS)
            .order_by("title", "pk")
        )

    def fingerprint(self, instance: CaseStudy) -> str:
        revision = instance.revisions.open().first() if instance.is_published else None
        return instance.edit_token(revision)

    def goes_to_review(self, instance: CaseStudy) -> bool:
        return instance.is_published

    def save(self, row: Row, user: Any) -> tuple[str, str]:
        case = row.instance
        if case is not None and self.goes_to_review(case):
            revision = CaseRevision.propose(
                case=case, by=user, values=row.form.values()
            )
            return "proposed", reverse("workspace:revision_detail", args=[revision.pk])
        case = case_save_draft(row.form, user=user)
        done = "created" if row.action == "create" else "updated"
        return done, reverse("workspace:case_detail", args=[case.slug])


class CityRecordImport(ImportKind):
    """A team, lab, strategy or funding programme (workspace/profiles.py's KINDS): the
    city is a column of its own, which must be one of the officer's cities."""

    def __init__(self, kind: ProfileKind) -> None:
        self.kind = kind
        self.key = kind.key
        self.model = kind.model
        self.title_field = kind.title_field

    def columns(self) -> list[str]:
        form_fields = self.kind.form_class().base_fields
        return ["slug", "city", *(n for n in form_fields if n != "city")]

    def value_of(self, instance: Any, column: str) -> Any:
        if column == "city":
            return (
                instance.team.city if self.kind.city_path != "city" else instance.city
            )
        return super().value_of(instance, column)

    def city(self, user: Any, cells: dict[str, str]) -> City:
        slug = cells.get("city", "").strip()
        if not slug:
            raise RowError("city", _("This field is required."))
        city = City.objects.editable_by(user).filter(slug=slug).first()
        if city is None:
            raise RowError("city", _("You can import into your own cities only."))
        return city

    def form_for(self, user: Any, cells: dict[str, str], instance: Any) -> Any:
        form_class = self.kind.form_class()
        try:
            city = self.city(user, cells)
        except RowError:
            city = None
        if instance is None:
            instance = self.model()
            if self.kind.city_path == "city" and city is not None:
                instance.city = city
        form = form_class(
            form_data(form_class.base_fields, cells),
            instance=instance,
            city=city or City(),
        )
        _by_slug(form, city)
        return form

    def find(self, user: Any, slug: str, cells: dict[str, str]) -> Any:
        city = self.city(user, cells)
        record = self.kind.records(city).filter(slug=slug).first()
        if record is None:
            raise RowError(
                "slug",
                _(
                    "%(city)s has no %(kind)s with this slug. Leave the slug empty "
                    "to add one."
                )
                % {"city": city.name, "kind": self.kind.label},
            )
        return record

    def records(self, city: City) -> models.QuerySet[Any]:
        return self.kind.records(city).order_by(self.title_field, "pk")

    def fingerprint(self, instance: Any) -> str:
        return self.kind.edit_token(instance)

    def save(self, row: Row, user: Any) -> tuple[str, str]:
        record = self.kind.save(row.form, user=user)
        city = self.value_of(record, "city")
        done = "created" if row.action == "create" else "updated"
        slug = getattr(record, "slug")  # noqa: B009  # every kind has one
        url = reverse("workspace:city_record_edit", args=[city.slug, self.key, slug])
        return done, url


IMPORT_KINDS: dict[str, ImportKind] = {
    "cases": CaseImport(),
    **{key: CityRecordImport(kind) for key, kind in PROFILE_KINDS.items()},
}
KIND_PATTERN = "|".join(IMPORT_KINDS)


# --- The template's notes -----------------------------------------------------------------


def _takes(form_field: forms.Field) -> str:
    """What a column takes, in words."""
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return _("Slugs of the values below, separated by “%(separator)s”.") % {
            "separator": LIST_SEPARATOR
        }
    if isinstance(form_field, forms.ModelChoiceField):
        return _("The slug of one of the values below.")
    if isinstance(form_field, forms.TypedChoiceField | forms.ChoiceField):
        return _("One of the values below.")
    if isinstance(form_field, forms.BooleanField):
        return _("true or false.")
    if isinstance(form_field, forms.DateField):
        return _("A date, as YYYY-MM-DD.")
    if isinstance(form_field, forms.IntegerField):
        return _("A whole number.")
    if isinstance(form_field, forms.DecimalField):
        return _("A number, with a point before any decimals.")
    if isinstance(form_field, forms.URLField):
        return _("A web address.")
    return _("Text.")


def notes(kind: ImportKind, user: Any) -> list[list[str]]:
    """The template's notes: a row for each column (what it takes, whether it is
    required), then a row for each value a column takes, with its meaning (the
    vocabularies' definitions). Columns: column, value, meaning."""
    form = kind.blank_form(user)
    rows: list[list[str]] = [
        [
            "slug",
            "",
            _(
                "Empty for a new record. The slug of one of your records to change it "
                "(the template filled in with your records has them)."
            ),
        ]
    ]
    listed: list[list[str]] = []
    if "city" in kind.columns() and "city" not in form.fields:
        rows.append(["city", "", _("Required. The slug of one of your cities.")])
        listed += [
            ["city", city.slug, city.name]
            for city in City.objects.editable_by(user).order_by("name")
        ]
    for name, form_field in form.fields.items():
        if name not in kind.columns():
            continue
        parts = [str(capfirst(form_field.label or name)) + "."]
        if form_field.required:
            parts.append(_("Required."))
        parts.append(_takes(form_field))
        if form_field.help_text:
            parts.append(str(form_field.help_text))
        rows.append([name, "", " ".join(parts)])
        if isinstance(form_field, forms.ModelChoiceField):
            queryset = cast(models.QuerySet[Any], form_field.queryset)
            for item in queryset[:MAX_LISTED_VALUES]:
                meaning = getattr(item, "definition", "") or ""
                listed.append(
                    [
                        name,
                        cell_text(item),
                        f"{item}: {meaning}" if meaning else str(item),
                    ]
                )
        elif isinstance(form_field, forms.ChoiceField):
            listed += [
                [name, str(value), str(label)]
                for value, label in cast(list[tuple[Any, Any]], form_field.choices)
                if value != ""
            ]
    return rows + listed


# --- Preview and confirmation -------------------------------------------------------------


class FileProblem(Exception):
    """A file whose columns are not the template's: nothing in it is read."""


def check_headers(kind: ImportKind, headers: Sequence[str]) -> None:
    known = kind.columns()
    unknown = [h for h in headers if h not in known]
    if unknown:
        raise FileProblem(
            _(
                "These columns are not the template's: %(unknown)s. The columns are: "
                "%(known)s."
            )
            % {"unknown": ", ".join(unknown), "known": ", ".join(known)}
        )
    doubled = sorted({h for h in headers if headers.count(h) > 1})
    if doubled:
        raise FileProblem(
            _("These columns appear more than once: %(columns)s.")
            % {"columns": ", ".join(doubled)}
        )


FORMULA_NOTE = gettext_lazy(
    "Starts like a formula (= + - @): kept as text, never calculated."
)


def preview_rows(kind: ImportKind, user: Any, table: Table) -> list[Row]:
    """What each row of `table` would do, validated as the editor validates: nothing
    is written."""
    check_headers(kind, table.headers)
    seen: dict[str, int] = {}
    rows = []
    for number, values in table.rows:
        cells = {
            header: (values[i] if i < len(values) else "")
            for i, header in enumerate(table.headers)
        }
        rows.append(_preview_row(kind, user, number, cells, seen))
    return rows


def _preview_row(
    kind: ImportKind,
    user: Any,
    number: int,
    cells: dict[str, str],
    seen: dict[str, int],
) -> Row:
    slug = cells.get("slug", "").strip()
    row = Row(number=number, slug=slug)
    for column, text in cells.items():
        if text and starts_formula(text):
            row.notes.append({"column": column, "message": str(FORMULA_NOTE)})
    instance = None
    if slug:
        if slug in seen:
            row.errors.append(
                {
                    "column": "slug",
                    "message": _("Row %(row)d changes this record already.")
                    % {"row": seen[slug]},
                }
            )
        seen.setdefault(slug, number)
        try:
            instance = kind.find(user, slug, cells)
        except RowError as error:
            row.errors.append({"column": error.column, "message": error.message})
    elif isinstance(kind, CityRecordImport):
        try:
            kind.city(user, cells)
        except RowError as error:
            row.errors.append({"column": error.column, "message": error.message})
    if row.errors:
        return _refused(row, cells)
    before: dict[str, Any] = {}
    if instance is not None:
        row.action = "update"
        row.for_review = kind.goes_to_review(instance)
        row.fingerprint = kind.fingerprint(instance)
        # The missing columns keep the record's values; read before the form
        # validates, which writes the new ones on the instance.
        cells = {**kind.cells_of(instance), **cells}
        before = {
            name: kind.value_of(instance, name)
            for name in cells
            if _is_model_field(kind, name)
        }
    form = kind.form_for(user, cells, instance)
    row.form, row.instance = form, instance
    for name, form_field in form.fields.items():
        # A disabled field (a published case's city) keeps the record's value,
        # whatever the page sends: a cell that says otherwise is an error, not ignored.
        if form_field.disabled and name in before:
            if cells[name].strip() != cell_text(before[name]):
                row.errors.append(
                    {"column": name, "message": _("This value cannot be changed here.")}
                )
    valid = form.is_valid()
    for name, messages in form.errors.items():
        column = "" if name == "__all__" else name
        row.errors += [{"column": column, "message": str(m)} for m in messages]
    if not valid or row.errors:
        return _refused(row, cells)
    data = form.cleaned_data
    row.title = str(data.get(kind.title_field) or "")
    shown_columns = [c for c in cells if c in form.fields or c in ("slug", "city")]
    row.cells = []
    for column in shown_columns:
        if column in form.fields:
            value = _shown(data.get(column))
            value = "; ".join(value) if isinstance(value, list) else str(value)
        elif column == "slug":
            value = slug
        else:
            value = str(kind.value_of(instance, "city")) if instance else cells[column]
        row.cells.append({"column": column, "value": value, "error": ""})
    if instance is not None:
        row.changes = [
            {
                "name": name,
                "label": capfirst(
                    cast(models.Field, kind.model._meta.get_field(name)).verbose_name
                ),
                "old": _shown(before[name]),
                "new": _shown(data.get(name)),
            }
            for name in form.fields
            if name in before and _plain(before[name]) != _plain(data.get(name))
        ]
        if not row.changes:
            row.action = "unchanged"
    return row


def _is_model_field(kind: ImportKind, name: str) -> bool:
    try:
        kind.model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return name != "slug"


def _refused(row: Row, cells: dict[str, str]) -> Row:
    """A row with errors: its cells as written, each with its errors."""
    row.action = "error"
    row.form = row.instance = None
    row.cells = [
        {
            "column": column,
            "value": text,
            "error": " ".join(
                e["message"] for e in row.errors if e["column"] == column
            ),
        }
        for column, text in cells.items()
    ]
    return row


def fingerprints(rows: Iterable[Row]) -> dict[str, str]:
    """What the preview showed, row by row, to compare with at the confirmation."""
    return {
        str(
            row.number
        ): f"{row.action}:{getattr(row.instance, 'pk', '')}:{row.fingerprint}"
        for row in rows
    }


class Stale(Exception):
    """Records changed between the preview and the confirmation: nothing is written,
    and the new preview is shown."""

    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self.rows = rows


@transaction.atomic
def import_rows(
    kind: ImportKind,
    user: Any,
    table: Table,
    expected: dict[str, str] | None = None,
) -> tuple[list[Row], list[dict[str, Any]]]:
    """Validate `table` again against the database as it is now and save its valid
    rows, all in one transaction: the rows, and what was done with each (row,
    action, title, url). With `expected` (the preview's fingerprints), Stale if a
    record the preview showed has changed since, or a row would now do otherwise."""
    # The records the rows name, locked until the end, so that nobody changes one
    # between its check and its write. (SQLite serialises the transactions instead.)
    at = table.headers.index("slug") if "slug" in table.headers else None
    slugs = [v[at].strip() for _n, v in table.rows if at is not None and at < len(v)]
    if slugs:
        list(
            kind.model._default_manager.filter(slug__in=slugs)
            .order_by()
            .select_for_update(no_key=True, of=("self",))
            .values("pk")
        )
    rows = preview_rows(kind, user, table)
    if expected is not None and fingerprints(rows) != expected:
        raise Stale(rows)
    done = []
    for row in rows:
        if not row.is_valid or row.action == "unchanged":
            continue
        action, url = kind.save(row, user)
        done.append(
            {"row": row.number, "action": action, "title": row.title, "url": url}
        )
    return rows, done

"""A record's versions and the differences between two of them, as the workspace's
pages show them: a revision against the published case, the history of a case or of a
city record, a restore's confirmation."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable
from typing import Any, cast

from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from simple_history import utils as history_utils

from core.history import SourceTimeline
from core.models import Source
from innovation_cases.models import CaseStudy

# Words and the spaces between them: a word diff keeps the text's own spacing.
_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(
    old: str, new: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The old and the new text as (kind, text) segments, kind being "same", "del"
    (only in the old text) or "ins" (only in the new one)."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    before: list[tuple[str, str]] = []
    after: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            before.append(("same", "".join(a[i1:i2])))
            after.append(("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            before.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            after.append(("ins", "".join(b[j1:j2])))
    return before, after


def _display(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def diff_rows(
    changes: list[dict[str, Any]], model: type[models.Model] = CaseStudy
) -> list[dict[str, Any]]:
    """Each change as a table row; long texts (text fields) get a word diff."""
    rows = []
    for change in changes:
        field = model._meta.get_field(change["name"])
        row = {
            "label": change["label"],
            "old": _display(change["old"]),
            "new": _display(change["new"]),
        }
        if isinstance(field, models.TextField):
            row["old_segments"], row["new_segments"] = word_diff(
                change["old"] or "", change["new"] or ""
            )
        rows.append(row)
    return rows


VERSIONS_PER_PAGE = 20
# Who made a change is the version's user; these would only repeat it.
HISTORY_EXCLUDED_FIELDS = ["updated_by", "created_by", "updated_at", "id"]


def _history_value(model: type[models.Model], name: str, value: Any) -> Any:
    """A value of simple-history's diff as a person reads it: choices as their label,
    relations (lists of through rows holding the related objects) as their names."""
    field = cast(models.Field, model._meta.get_field(name))  # a field of the diff
    if field.many_to_many:
        target = history_utils.get_m2m_reverse_field_name(field)
        return sorted(str(row[target]) for row in value)
    if field.choices and value is not None:
        return dict(field.flatchoices).get(value, value)
    return value


def version_changes(version: Any, previous: Any) -> list[dict[str, Any]]:
    """The changes from `previous` to `version`, relations included. Costs two
    queries for each relation (simple-history reads both versions' rows)."""
    model = version.instance_type
    excluded = [name for name in HISTORY_EXCLUDED_FIELDS if hasattr(previous, name)]
    delta = version.diff_against(
        previous, excluded_fields=excluded, foreign_keys_are_objs=True
    )
    return [
        {
            "name": change.field,
            "label": model._meta.get_field(change.field).verbose_name,
            "old": _history_value(model, change.field, change.old),
            "new": _history_value(model, change.field, change.new),
        }
        for change in delta.changes
    ]


def sources_change(old: list[str], new: list[str]) -> dict[str, Any]:
    """A change of a record's sources (each a line, see source_line), as a change of
    a field for diff_rows."""
    return {
        "name": "sources",
        "label": Source._meta.verbose_name_plural,
        "old": old,
        "new": new,
    }


def version_page(
    request: HttpRequest,
    versions: models.QuerySet[Any],
    restore_url: Callable[[Any], str] | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    """A page of a record's `versions` (newest first), each with its number (the
    first saved is version 1), what changed since the one before it (its sources
    included, see SourceTimeline), and, where `restore_url` is given, the URL that
    restores it (none for the newest version, which is the record as it is). For the
    case and city-record history pages alike."""
    page = Paginator(versions, VERSIONS_PER_PAGE).get_page(request.GET.get("page"))
    # The page's versions, the one before the oldest of them to diff against (a
    # record saved around the history, by bulk_create say, may have none), and the
    # one after the newest, whose date ends the newest's sources.
    first = page.start_index() - 1
    shown = list(versions[max(first - 1, 0) : page.end_index() + 1])
    newer_date = shown.pop(0).history_date if first > 0 else None
    timeline = SourceTimeline(page[0].instance) if len(page) else None
    entries = []
    for index, (version, older) in enumerate(
        zip(shown[: len(page)], [*shown[1:], None], strict=False)
    ):
        rows = None
        if older is not None:
            changes = version_changes(version, older)
            sources = timeline.changed_with(version, newer_date) if timeline else None
            if sources is not None:
                changes.append(sources_change(*sources))
            rows = diff_rows(changes, version.instance_type)
        entries.append(
            {
                "version": version,
                "number": page.paginator.count - first - index,
                "rows": rows,
                "restore_url": restore_url(version)
                if restore_url and (page.number > 1 or index > 0)
                else None,
            }
        )
        newer_date = version.history_date
    return page, entries

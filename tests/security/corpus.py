"""The hostile-input corpus: the payloads, where the site takes input, and what every
refusal must leave behind (issue 17).

Nothing here names a field or an endpoint. The API's write operations come from the
OpenAPI schema that drf-spectacular generates from the router, and each body's fields
from its serializer; the forms come from the URLconf (the workspace's and the
account pages' views) and from `admin.site._registry`, and their fields from the form
classes. A new field or endpoint is therefore attacked as soon as it exists.

Every payload is either refused, with a 4xx that names the field and with nothing
stored (`snapshot()` before and after is the same: the row counts of every table, the
history's included, and the target record's serialisation), or accepted as the text it
is, stored exactly (a `<script>` in a title is a valid title: the pages escape it,
which test_escaped_output.py checks). Never a 5xx.

To add a payload, add it to `FIELD_PAYLOADS` (every JSON field gets it; keep it cheap)
or `FORM_PAYLOADS` (every form field gets it; `UPDATE_PAYLOADS` and
`CREATE_FORM_PAYLOADS` say which an update and a form that creates also get), or to `ENDPOINT_PAYLOADS` for an
expensive one that each endpoint gets once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import connection, models

# --- Payloads -----------------------------------------------------------------------

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
SQL = "'; DROP TABLE innovation_cases_casestudy; -- \" OR 1=1 /*"
RTL = "safe\u202egnp.exe\u202c text"  # a right-to-left override
ZERO_WIDTH = "in\u200bvisible\u200d\u2060\ufeff"
COMBINING = "Zalgo" + "\u0301\u0316\u0334" * 30
MEGABYTE = "x" * 1_000_000


@dataclass(frozen=True)
class Payload:
    """A value sent in place of a field's. `text` says whether it is text that a
    field of free text may legitimately take (and must then store exactly)."""

    id: str
    value: Any
    text: bool = False


# Every field of every API write gets these: each JSON type, and strings that break
# parsers, databases, encodings and pages.
FIELD_PAYLOADS = [
    Payload("null", None),
    Payload("negative", -1),
    Payload("huge-number", 10**40),
    Payload("float", 1.5),
    Payload("object", {"slug": "x", "0": [True]}),
    Payload("empty", ""),
    Payload("nul-byte", "a\x00b"),
    Payload("lone-surrogate", "a\ud800b"),
    Payload("xss", XSS, text=True),
    Payload("sql", SQL, text=True),
    Payload("odd-unicode", RTL + ZERO_WIDTH + COMBINING, text=True),
    Payload("long", "y" * 5000, text=True),
]
# A field that takes no text (a number, a choice, a relation) refuses any string the
# same way: it gets the JSON types and one string; a text field gets every payload.
NOT_TEXT_PAYLOADS = ["null", "negative", "huge-number", "float", "object", "xss"]
# An update checks the same fields as a create, on a record that exists: each field
# gets the payloads that reach the record's own checks.
UPDATE_PAYLOADS = ["object", "nul-byte", "xss"]

# Every field of every form gets these: a form's values are strings, so a wrong type
# is a string that is not a number, a date or a choice.
FORM_PAYLOADS = [
    Payload("empty", ""),
    Payload("not-a-number", "ten"),
    Payload("huge-number", "9" * 40),
    Payload("nul-byte", "a\x00b"),
    Payload("xss", XSS, text=True),
    Payload("sql", SQL, text=True),
    Payload("odd-unicode", RTL + ZERO_WIDTH + COMBINING, text=True),
    Payload("long", "y" * 5000, text=True),
]
# A form that makes a record checks its fields as the form that changes one does:
# each field gets these there.
CREATE_FORM_PAYLOADS = ["nul-byte", "xss"]
# The admin's forms get these, in every field at once.
ADMIN_PAYLOADS = ["not-a-number", "huge-number", "nul-byte", "xss"]


def deep_json(depth: int = 10_000) -> str:
    """A JSON value of `depth` nested arrays: Python's decoder recurses once a level."""
    return "[" * depth + "]" * depth


# --- What a refusal leaves behind ----------------------------------------------------

# Tables that a refused request may legitimately write: the session a log-in form
# keeps, the failed log-ins django-axes counts, a token's last use.
BOOKKEEPING = {
    "django_session",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
    "axes_accessattemptexpiration",
}


@cache
def _tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed
        }
        - BOOKKEEPING
    )


def row_counts() -> dict[str, int]:
    """The number of rows of every table (the history's too), in one query."""
    tables = _tables()
    quote = connection.ops.quote_name
    select = ", ".join(
        f"(SELECT COUNT(*) FROM {quote(table)})"  # noqa: S608 (our own table names)
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def serialised(record: models.Model | None) -> str | None:
    """The record as it is in the database, its many-to-many relations included."""
    if record is None:
        return None
    fresh = type(record)._default_manager.filter(pk=record.pk)
    return serializers.serialize("json", fresh)


@dataclass(frozen=True)
class Snapshot:
    counts: dict[str, int]
    record: str | None


def snapshot(record: models.Model | None = None) -> Snapshot:
    return Snapshot(row_counts(), serialised(record))


def assert_unchanged(before: Snapshot, record: models.Model | None = None) -> None:
    """Nothing was stored, not even half-way: every table has the rows it had, and the
    target record is byte for byte what it was."""
    after = snapshot(record)
    changed = {
        table: (count, after.counts[table])
        for table, count in before.counts.items()
        if after.counts[table] != count
    }
    assert not changed, f"rows stored by a refused request: {changed}"
    assert after.record == before.record


def names_field(errors: Any, field: str) -> bool:
    """Whether a problem document's `errors` (or a form's) holds a message under
    `field` or a path within it ("translations.de.title"), or one about the whole
    record that names it."""
    if not isinstance(errors, dict):
        return False
    if errors.get(field):
        return True
    if any(key.startswith(f"{field}.") and errors[key] for key in errors):
        return True
    whole = json.dumps(errors.get("non_field_errors", errors.get("__all__", [])))
    return re.search(rf"\b{re.escape(field)}\b", whole) is not None


def no_live_markup(html: str) -> None:
    """A page shows the corpus's markup as text: no element or attribute of it is live."""
    assert "<script>alert(1)" not in html
    assert "<img src=x onerror" not in html
    assert '"><img src=x' not in html


# --- Forms as a browser submits them ----------------------------------------------------


class _FormParser(HTMLParser):
    """The POST forms of a page: each a list of (name, value) as a browser would send
    them untouched (checked boxes, selected options, text; no buttons, no files)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = [] if a.get("method", "").lower() == "post" else None
            return
        if self._form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._form.append(
                (name, a.get("value", "on" if kind == "checkbox" else ""))
            )
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._form.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif (
            tag == "textarea" and self._textarea is not None and self._form is not None
        ):
            # A browser drops the newline that starts a textarea's content.
            text = self._text[1:] if self._text.startswith("\n") else self._text
            self._form.append((self._textarea, text))
            self._textarea = None


def form_data(html: str) -> dict[str, list[str]]:
    """What submitting the page's main POST form (the one with the most fields)
    unchanged would send: each name with its values."""
    parser = _FormParser()
    parser.feed(html)
    fields = max(parser.forms, key=len)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data

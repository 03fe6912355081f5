"""schemathesis hooks for .ci/schemathesis.sh: which refusals of schema-valid requests
are the API's right, checked against the API itself.

The check positive_data_acceptance expects every request that the OpenAPI schema calls
valid to be accepted. The schema states every limit a value has on its own (patterns,
lengths, ranges, enums: see config/schema.py and core/validators.py), so almost any
400 to a schema-valid request is a disagreement to fix, and stays a failure.

One kind of 400 is inherent: a value that names another record by its slug (a filter's
`?city=`, a body's `"team"`) is only a pattern to the schema, and the record it names
may not exist, or (a body's `"slug"`) may be another record's already. No schema can
say which slugs exist without listing the database, so the API answers 400 naming the
field, and rightly. This hook lets such a 400 pass, and only when the API confirms it:
every field the 400 names must be a reference whose value the record's own URL answers
404 for (or, for `slug`, 200: taken). The same holds for a unique set of fields (a
strategy's title in its city): the 400 passes only if the API's own list shows another
record holding those values, and for a range (a lab's staff, min and max): the 400
passes only if the write's values, with the record's stored ones for what it leaves
out, put the maximum below the minimum; and for a case's original language: the 400
passes only if the write leaves the case a translation into that language; and for the
spreadsheet import's file, whose content no schema describes. A 400 that names any other
field, or a reference that does exist, is still a failure.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode, urljoin

import requests
import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

API = "/api/v1/"

# The parameters and body fields that name a record by its slug: the collection in
# which the slug must exist.
REFERENCES = {
    # Query parameters of the lists.
    "city": "cities",
    "team": "teams",
    "innovation_type": "innovation-types",
    "driver": "drivers",
    "approach": "approaches",
    "theme": "themes",
    "stage": "lifecycle-stages",  # the deprecated alias of lifecycle_stage
    "cities": "cities",  # the comparison's cities
    # Body fields of the writes ("city" and "team" as above).
    "parent": "teams",
    "teams": "teams",
    "partners": "organisations",
    "innovation_types": "innovation-types",
    "drivers": "drivers",
    "approaches": "approaches",
    "themes": "themes",
    "lifecycle_stage": "lifecycle-stages",
}

# A parameter -> its former name, still accepted (CaseStudyFilter.ALIASES, reversed).
ALIASES = {"lifecycle_stage": "stage"}


def _get(case: Any, response: Any, path: str) -> requests.Response:
    """GET `path` of the API under test, with the case's credentials (an officer sees
    their city's drafts). Not cached: the fuzzing creates and renames records."""
    authorization = (case.headers or {}).get("Authorization")
    return requests.get(
        urljoin(response.request.url, API + path),
        headers={"Authorization": authorization} if authorization else {},
        timeout=30,
    )


def _exists(case: Any, response: Any, collection: str, slug: str) -> bool | None:
    """Whether the record exists (200), does not (404), or None if the API says
    neither."""
    status = _get(case, response, f"{collection}/{quote(slug, safe='/')}/").status_code
    return {200: True, 404: False}.get(status)


def _values(value: Any) -> list[str]:
    """The slugs a parameter or field gives: a list, or one text (a query parameter may
    give several, comma-separated)."""
    items = value if isinstance(value, list) else [value]
    return [
        part.strip()
        for item in items
        if isinstance(item, str)
        for part in item.split(",")
        if part.strip()
    ]


def _names_a_missing_record(case: Any, response: Any, field: str) -> bool:
    given = case.body if isinstance(case.body, dict) else {}
    source = given if isinstance(given, dict) and field in given else case.query or {}
    if field == "slug":
        # Taken: another record of this collection has the slug.
        collection = case.operation.path.removeprefix(API).split("/")[0]
        own = (case.path_parameters or {}).get("slug")
        return any(
            slug != own and _exists(case, response, collection, slug)
            for slug in _values(source.get("slug"))
        )
    if field == "district":
        return _names_a_missing_district(case, response, given)
    collection = REFERENCES.get(field)
    # A query may give a parameter under its former name, and the 400 names the
    # parameter.
    names = [name for name in (field, ALIASES.get(field)) if name in source]
    if collection is None or not names:
        return False
    return any(
        _exists(case, response, collection, slug) is False
        for name in names
        for slug in _values(source[name])
    )


def _names_a_missing_district(case: Any, response: Any, body: Any) -> bool:
    """A district's slug is unique within its city: the body's city, or its team's."""
    if not isinstance(body, dict) or not isinstance(body.get("district"), str):
        return False
    city = body.get("city")
    if not isinstance(city, str):
        # The team's city (a lab's), or else the city of the record being changed.
        if isinstance(body.get("team"), str):
            record = _get(case, response, f"teams/{quote(body['team'])}/")
        elif case.path_parameters:
            record = _get(case, response, case.formatted_path.removeprefix(API))
        else:
            return False
        city = record.json()["city"]["slug"] if record.status_code == 200 else None
    if not isinstance(city, str):
        return False
    return _exists(case, response, "districts", f"{city}/{body['district']}") is False


# DRF's message for a unique constraint over several fields (a strategy's title is
# unique in its city, a lab's name in its team).
_UNIQUE_SET = re.compile(r"The fields (.+) must make a unique set\.")


def _given_or_current(case: Any, response: Any, body: dict, field: str) -> Any:
    """The slug a write gives for a reference, or the record's current one."""
    if field in body:
        return body[field]
    if not case.path_parameters:
        return None
    record = _get(case, response, case.formatted_path.removeprefix(API))
    if record.status_code != 200:
        return None
    value = record.json().get(field)
    return value.get("slug") if isinstance(value, dict) else value


def _breaks_a_unique_set(case: Any, response: Any, messages: Any) -> bool:
    """Whether every message is a unique set (say city and title) that another record
    of the collection holds already, as the API's own list confirms."""
    body = case.body if isinstance(case.body, dict) else {}
    collection = case.operation.path.removeprefix(API).split("/")[0]
    own = (case.path_parameters or {}).get("slug")
    for message in messages if isinstance(messages, list) else []:
        found = _UNIQUE_SET.fullmatch(str(message))
        if found is None:
            return False
        fields = [name.strip() for name in found.group(1).split(",")]
        plain = [name for name in fields if name not in REFERENCES]
        refs = {
            name: _given_or_current(case, response, body, name)
            for name in fields
            if name in REFERENCES
        }
        if len(plain) != 1 or not all(isinstance(v, str) for v in refs.values()):
            return False
        value = _given_or_current(case, response, body, plain[0])
        path = f"{collection}/?{urlencode({**refs, 'page_size': 100})}"
        taken = False
        for _ in range(50):  # Pages of the list, until the record is found.
            listing = _get(case, response, path)
            if listing.status_code != 200:
                return False
            page = listing.json()
            taken = any(
                row.get(plain[0]) == value and row.get("slug") != own
                for row in page["results"]
            )
            if taken or not page.get("next"):
                break
            path = page["next"].split(API, 1)[1]
        if not taken:
            return False
    return True


def _breaks_a_range(case: Any, response: Any, field: str) -> bool:
    """Whether `field` is the upper end of a range (municipal_staff_max) that the write,
    with the record's stored values for what it leaves out, puts below its lower end: a
    PATCH of the minimum alone is checked against the stored maximum, which no schema
    can know."""
    if not field.endswith("_max"):
        return False
    body = case.body if isinstance(case.body, dict) else {}
    low = _given_or_current(case, response, body, field.removesuffix("_max") + "_min")
    high = _given_or_current(case, response, body, field)
    return isinstance(low, int) and isinstance(high, int) and low > high


def _translates_its_original_language(case: Any, response: Any, field: str) -> bool:
    """Whether the write leaves a case with a translation into its own original
    language (CaseStudy.clean refuses it, naming original_language): the language the
    write gives, or the stored one, among the translations the write gives, or the
    stored ones it does not remove. The schema cannot tie one field's value to
    another's keys."""
    if field != "original_language" or not case.operation.path.startswith(
        API + "cases/"
    ):
        return False
    body = case.body if isinstance(case.body, dict) else {}
    stored: dict = {}
    if case.path_parameters:
        record = _get(case, response, case.formatted_path.removeprefix(API))
        stored = record.json() if record.status_code == 200 else {}
    original = body.get("original_language", stored.get("original_language", "en"))
    given = body.get("translations")
    given = given if isinstance(given, dict) else {}
    if original in given:
        return given[original] is not None
    return original in (stored.get("translations") or {})


def _is_a_spreadsheets_content(case: Any, field: str) -> bool:
    """The spreadsheet import's `file`: the schema says a binary file, and what makes
    one a spreadsheet of the template's columns (its format, encoding and rows) is the
    file's to say, not the schema's; tests/api/test_imports.py and
    tests/workspace/test_import.py check those rules, hostile files included."""
    return field == "file" and case.operation.path.startswith(f"{API}imports/")


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a 400 to a schema-valid request that the API confirms
        names only records that do not exist, or values taken by another record (a slug, a
    title in its city)."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return True
    try:
        errors = json.loads(response.content)["errors"]
    except (ValueError, KeyError, TypeError):
        return True
    if not isinstance(errors, dict) or not errors:
        return True
    return not all(
        _breaks_a_unique_set(case, response, messages)
        if field == "non_field_errors"
        else _names_a_missing_record(case, response, field)
        or _is_a_spreadsheets_content(case, field)
        or _breaks_a_range(case, response, field)
        or _translates_its_original_language(case, response, field)
        for field, messages in errors.items()
    )

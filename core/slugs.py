"""What a slug is, declared once: the URL routes, the filters, the references to records
in API bodies and the OpenAPI schema all read it here."""

from __future__ import annotations

import re

SLUG_CHARACTERS = "-a-zA-Z0-9_"
# The longest slug a record may have: no model's SlugField is longer (a test checks).
SLUG_MAX_LENGTH = 250
# A slug as a path segment of a URL route (Django's and DRF's lookup_value_regex).
SLUG_PATH = rf"[{SLUG_CHARACTERS}]+"
_SLUG = rf"[{SLUG_CHARACTERS}]{{1,{SLUG_MAX_LENGTH}}}"
# A slug as the OpenAPI schema says it: ECMA-262 and Python read it alike. The second,
# for a relation that may be empty, which DRF reads from an empty text as from null.
SLUG_PATTERN = rf"^{_SLUG}$"
SLUG_OR_EMPTY_PATTERN = rf"^(?:{_SLUG})?$"
# (\Z, not $: Python's $ also matches before a final line break.)
_SLUG_RE = re.compile(rf"{_SLUG}\Z")


def is_slug(value: object) -> bool:
    """Whether `value` is a well-formed slug: checked before any query, so that a NUL
    byte or a megabyte of text never reaches the database."""
    return isinstance(value, str) and _SLUG_RE.match(value) is not None

"""What a slug is, declared once: the URL routes, the filters, the references to records
in API bodies and the OpenAPI schema all read it here."""

from __future__ import annotations

import re

SLUG_CHARACTERS = "-a-zA-Z0-9_"
# The longest slug a record may have: no model's SlugField is longer (a test checks).
SLUG_MAX_LENGTH = 250
# A slug as a path segment of a URL route (Django's and DRF's lookup_value_regex).
SLUG_PATH = rf"[{SLUG_CHARACTERS}]+"
# A slug as the OpenAPI schema says it: ECMA-262 and Python read it alike.
SLUG_PATTERN = rf"^[{SLUG_CHARACTERS}]{{1,{SLUG_MAX_LENGTH}}}$"
# (\Z, not $: Python's $ also matches before a final line break.)
_SLUG = re.compile(rf"[{SLUG_CHARACTERS}]{{1,{SLUG_MAX_LENGTH}}}\Z")


def is_slug(value: object) -> bool:
    """Whether `value` is a well-formed slug: checked before any query, so that a NUL
    byte or a megabyte of text never reaches the database."""
    return isinstance(value, str) and _SLUG.match(value) is not None

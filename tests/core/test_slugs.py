import re

import pytest
from django.apps import apps
from django.db import models

from core.slugs import SLUG_MAX_LENGTH, SLUG_PATH, SLUG_PATTERN, is_slug


def test_no_records_slug_is_longer_than_a_slug_may_be():
    slug_fields = [
        (model._meta.label, field.name, field.max_length)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.SlugField)
    ]
    assert slug_fields
    assert [f for f in slug_fields if f[2] > SLUG_MAX_LENGTH] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("vienna", True),
        ("imco-vienna_2", True),
        ("a" * SLUG_MAX_LENGTH, True),
        ("a" * (SLUG_MAX_LENGTH + 1), False),
        ("", False),
        ("vienna\n", False),
        ("vien\x00na", False),
        ("wien/innere-stadt", False),
        ("zürich", False),
        (None, False),
        (42, False),
    ],
)
def test_a_slug_is_letters_digits_hyphens_and_underscores(value, expected):
    assert is_slug(value) is expected
    if isinstance(value, str):
        # The schema's pattern says the same (read as ECMA-262 reads it: the whole
        # text), and a URL route takes every slug.
        assert bool(re.fullmatch(SLUG_PATTERN.strip("^$"), value)) is expected
        if expected:
            assert re.fullmatch(SLUG_PATH, value)

"""The filters every list shares: several values of a parameter, slugs of records,
countries, years and a plain name search. An unknown or malformed value, too many
values or an over-long text makes the form invalid, with an error keyed by the
parameter's name, before any query (the API answers 400 naming it).

Values are slugs (countries: ISO codes); several may be repeated (`?theme=a&theme=b`,
as HTML checkboxes send them) or comma-separated (`?theme=a,b`).
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .slugs import SLUG_PATTERN, is_slug

MAX_VALUES = 50
# Characters in a search: a sentence's worth (the engine reads at most MAX_TERMS words
# and phrases of it).
MAX_QUERY_LENGTH = 200


class ListWidget(forms.SelectMultiple):
    """Reads `?x=a&x=b` and `?x=a,b` alike; empty items are dropped. Duplicates are
    kept, so that a field can count the values as given (see `at_most`)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        raw = (
            data.getlist(name)
            if isinstance(data, MultiValueDict)
            else data.get(name, [])
        )
        if isinstance(raw, str):
            raw = [raw]
        values: list[str] = []
        for item in raw:
            for value in str(item).split(","):
                value = value.strip()
                if value:
                    values.append(value)
        return values


def at_most(values: list[str]) -> list[str]:
    """`values` without duplicates, or a 400 if more than MAX_VALUES were given. Counted
    before the duplicates go, as the OpenAPI schema's `maxItems` counts them."""
    if len(values) > MAX_VALUES:
        raise ValidationError(
            _("Choose at most %(limit)d values."),
            code="too_many",
            params={"limit": MAX_VALUES},
        )
    return list(dict.fromkeys(values))


class SlugListField(forms.ModelMultipleChoiceField):
    """Several slugs of one vocabulary; each must exist."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not a known value."),
    }
    # What the OpenAPI schema says of the parameter (config/schema.py), from the same
    # constants as the checks below.
    schema_items = {"type": "string", "pattern": SLUG_PATTERN}
    max_values = MAX_VALUES

    def clean(self, value: Any) -> QuerySet[Any]:
        values = at_most(value or [])
        for item in values:
            # Checked before any query: a NUL byte would make PostgreSQL fail.
            if not is_slug(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item[:100].replace("\x00", "\\0")},
                )
        return super().clean(values)


class SlugListFilter(django_filters.ModelMultipleChoiceFilter):
    # Any form field class does; the stubs ask for django-filter's own subclass.
    field_class = SlugListField  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("widget", ListWidget)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        # Values within a facet are alternatives. A subquery, rather than a join, keeps
        # one row per case without DISTINCT.
        if not value:
            return qs
        matching = qs.model._default_manager.filter(
            **{f"{self.field_name}__in": list(value)}
        )
        return qs.filter(pk__in=matching.values("pk"))


class CountryListField(forms.MultipleChoiceField):
    """ISO 3166-1 alpha-2 codes, in either case."""

    max_values = MAX_VALUES

    @property
    def schema_items(self) -> dict[str, Any]:
        # The codes in capitals; the API takes them in small letters too.
        return {"type": "string", "enum": [code for code, _name in countries]}

    def clean(self, value: Any) -> list[str]:
        return super().clean(at_most([str(v).upper() for v in (value or [])]))


class CountryListFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryListField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class ChoiceListField(forms.MultipleChoiceField):
    """Several values of a field's fixed choices (a model's TextChoices)."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not a known value."),
    }
    max_values = MAX_VALUES

    @property
    def schema_items(self) -> dict[str, Any]:
        # Flat choices (a TextChoices' list), as ChoiceListFilter is given them.
        choices = cast("list[tuple[str, Any]]", self.choices)
        return {"type": "string", "enum": [value for value, _label in choices]}

    def clean(self, value: Any) -> list[str]:
        values = at_most(value or [])
        for item in values:
            # Said as the slug filters say it (a NUL byte shown, not passed on).
            if not self.valid_value(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item[:100].replace("\x00", "\\0")},
                )
        return super().clean(values)


class ChoiceListFilter(django_filters.MultipleChoiceFilter):
    """`?name=a,b`: any of several values of a field's choices."""

    field_class = ChoiceListField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", ListWidget)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


def _country_choices() -> list[tuple[str, str]]:
    return list(countries)


def country_filter(field_name: str) -> CountryListFilter:
    """`?country=` by ISO code, for any record with a path `field_name` to a country."""
    return CountryListFilter(
        field_name=field_name,
        # A callable, so that the 250 choices are listed when a form shows or checks
        # them, not deep-copied with every FilterSet and form on each request.
        choices=_country_choices,
        widget=ListWidget,
        label=_("Country"),
    )


class YearFilter(django_filters.NumberFilter):
    # Any number field does; the stubs ask for NumberFilter's own DecimalField.
    field_class = forms.IntegerField  # type: ignore[assignment]


class NameSearchFilter(django_filters.CharFilter):
    """`?search=` matches any of the given fields, ignoring case."""

    def __init__(self, *fields: str, **kwargs: Any) -> None:
        self.search_fields = fields
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", MAX_QUERY_LENGTH)
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        value = (value or "").strip()
        if not value:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return qs.filter(condition)

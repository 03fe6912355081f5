"""Form fields that every form of the site (the workspace's, the admin's) shares."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing a value that cannot be a key before asking the database.

    Django checks each chosen value with its own query, where a number past the key
    column's range finds nothing, and then all of them in one `IN` query, where the
    same number raised OverflowError (SQLite) or DataError (PostgreSQL): a 500 where
    the field should say "not a valid value" (found by the hostile-input corpus,
    tests/security/).
    """

    # Django's private method, which django-stubs leaves out.
    def _check_values(self, value: Any) -> Any:
        meta = self.queryset.model._meta  # type: ignore[union-attr]  # always set here
        key = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        try:
            chosen = frozenset(value)
        except TypeError:
            # Django's own check says so, in its words.
            return super()._check_values(value)  # type: ignore[misc]  # as above
        for pk in chosen:
            try:
                key.run_validators(key.to_python(pk))
            except ValidationError:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ) from None
        return super()._check_values(value)  # type: ignore[misc]  # as above

"""What the site's admins share: relation fields that survive hostile values.

A chosen key past its column's range is refused by the form field, not by the
database (core.forms.ModelMultipleChoiceField). And Django's autocomplete widgets look the selected values up, to show their labels,
also when they re-render a form that was refused. A value that is no key of the
related model ("ten", a number past the column's range) made that query raise
(ValueError, OverflowError), so the refused form answered 500 instead of showing its
error next to the field (found by the hostile-input corpus, tests/security/). These
widgets look up only the values that can be keys; the others select nothing, and the
form's own error says what is wrong with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .forms import ModelMultipleChoiceField as CheckedMultipleChoiceField

if TYPE_CHECKING:
    from django.contrib import admin
    from django.forms import ModelChoiceField, ModelMultipleChoiceField

    # What AutocompleteMixin is mixed into, for the checker.
    _BaseModelAdmin = admin.options.BaseModelAdmin[Any]
else:
    _BaseModelAdmin = object


def _keys(field: Any, values: Any) -> list[Any]:
    """Those of `values` that can be keys of the model `field` relates to."""
    related = field.remote_field.model._meta
    target = related.get_field(
        getattr(field.remote_field, "field_name", related.pk.name)
    )
    keys = []
    for value in values:
        try:
            target.run_validators(target.to_python(value))
        except ValidationError:
            continue
        keys.append(value)
    return keys


class AutocompleteSelect(widgets.AutocompleteSelect):
    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        return super().optgroups(name, _keys(self.field, value), attr)


class AutocompleteSelectMultiple(widgets.AutocompleteSelectMultiple):
    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        return super().optgroups(name, _keys(self.field, value), attr)


class AutocompleteMixin(_BaseModelAdmin):
    """An admin's (or an inline's) `autocomplete_fields` with the widgets above, as
    Django's own formfield_for_foreignkey and formfield_for_manytomany choose them,
    and its many-to-many fields with core.forms' field."""

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", CheckedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

"""The per-city rule, applied to the admin.

The rule itself lives on the models' QuerySets: `City.objects.editable_by(user)` (the
cities whose records a user writes) and `City.objects.with_member(user)` (the cities
whose unpublished records they read), applied to a city's records by
`CityRecordQuerySet.editable_by` and `CaseStudyQuerySet.editable_by`. The API and the
workspace ask the same methods. This module only decides how the admin asks them:

- Site staff (`is_site_staff`) are superusers, and staff users who hold no city
  membership: they manage the whole repository. Officers and reviewers who were given
  `is_staff` to use the admin are not site staff: they are scoped to their cities.
- A city's records (`CityScopedAdmin`): officers and reviewers read the records of the
  cities they are a member of, drafts included; site staff read every city's. A user
  changes a record only if `editable_by` lets them (officers: their cities' records;
  superusers: all; reviewers and the other site staff: none, as in the API), adds one
  only if they may write some city, and deletes none unless they are a superuser:
  nothing an officer writes may be lost. Foreign-key and many-to-many choices, and
  the admin's autocomplete answers, list only the records a user may write.
- History: anyone who may view a record may view its history. Only site staff restore
  an earlier version; the restore is saved as a new version, made by them.
- Whatever the rule allows, a user also needs Django's model permission (view, add,
  change, delete) for the model, granted to them or to their group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelChoiceField, ModelForm, ModelMultipleChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.formats import localize
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from simple_history.utils import get_history_model_for_model

from core.admin import AutocompleteMixin
from core.history import (
    record_version,
    save_with_relations,
    version_relations,
)

from .models import City, is_site_staff
from .permissions import CityRecordPermission

if TYPE_CHECKING:
    # What the mixins below are mixed into, for the checker.
    _BaseModelAdmin = admin.options.BaseModelAdmin[Any]
    _InlineModelAdmin = admin.options.InlineModelAdmin[Any, Any]
else:
    _BaseModelAdmin = _InlineModelAdmin = object


def readable_cities(user: Any) -> QuerySet[City]:
    """The cities whose records `user` may see in the admin, drafts included."""
    return City.objects.with_member(user)


def writable_choices(model: type[models.Model], user: Any) -> QuerySet[Any] | None:
    """The records of `model` that `user` may attach a record to, or None if `model`
    is not a city's record (a vocabulary, an organisation: anyone picks any)."""
    manager = model._default_manager
    if hasattr(manager, "editable_by"):
        return manager.editable_by(user)  # City, its records and its cases.
    return None


def _is_autocomplete(request: HttpRequest, site: admin.AdminSite) -> bool:
    match = request.resolver_match
    return match is not None and match.view_name == f"{site.name}:autocomplete"


class ScopedChoicesMixin(AutocompleteMixin):
    """Form choices limited to the records a user may write, in admins and inlines.

    Site staff who are not superusers see every choice: they write no city's records
    (the permission checks stop them), and the pages they read, such as an earlier
    version, should show the values as they are.
    """

    def _choices(
        self, request: HttpRequest, model: type[models.Model]
    ) -> QuerySet[Any] | None:
        if is_site_staff(request.user) and not request.user.is_superuser:
            return None
        return writable_choices(model, request.user)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        choices = self._choices(request, db_field.related_model)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        choices = self._choices(request, db_field.related_model)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CityScopedAdmin(ScopedChoicesMixin, SimpleHistoryAdmin):
    """The admin of a city's records, with their history (see the module docstring)."""

    # The path from a record to its city, as in CityRecordQuerySet.city_field.
    city_field = "city"

    # --- What a user sees, and may pick -------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if is_site_staff(request.user):
            return queryset
        return queryset.filter(
            **{f"{self.city_field}__in": readable_cities(request.user).values("pk")}
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        # The admin's autocomplete asks this admin (of the record picked) for the
        # choices of another record's field: offer what that form accepts.
        if _is_autocomplete(request, self.admin_site):
            choices = self._choices(request, self.model)
            if choices is not None:
                queryset = queryset.filter(pk__in=choices.values("pk"))
        return queryset, may_have_duplicates

    def city_id_of(self, obj: models.Model | None) -> Any:
        """The pk of the city `obj` belongs to (None if it has none yet)."""
        *hops, last = self.city_field.split("__")
        for hop in hops:
            obj = getattr(obj, hop, None)
            if obj is None:
                return None
        return getattr(obj, "pk" if last == "pk" else f"{last}_id", None)

    # --- What a user may do -------------------------------------------------------------

    def _django_permission(self, request: HttpRequest, action: str) -> bool:
        """The model permission the deployment granted, before the per-city rule."""
        opts = self.opts
        codename = get_permission_codename(action, opts)
        return request.user.has_perm(f"{opts.app_label}.{codename}")

    def has_view_permission(
        self, request: HttpRequest, obj: models.Model | None = None
    ) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        if obj is None or is_site_staff(request.user):
            return True
        # Also for an earlier version of a record, which need not exist any more.
        return readable_cities(request.user).filter(pk=self.city_id_of(obj)).exists()

    def has_change_permission(
        self, request: HttpRequest, obj: models.Model | None = None
    ) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return City.objects.editable_by(request.user).exists()
        editable = writable_choices(self.model, request.user)
        return (
            editable is not None
            and obj.pk is not None
            and editable.filter(pk=obj.pk).exists()
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return (
            super().has_add_permission(request)
            and City.objects.editable_by(request.user).exists()
        )

    def has_delete_permission(
        self, request: HttpRequest, obj: models.Model | None = None
    ) -> bool:
        # Nothing an officer writes may be lost: only superusers delete.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def check_city_is_editable(self, request: HttpRequest, obj: models.Model) -> None:
        """403 unless `obj` (as about to be saved) belongs to a city the user writes.

        The form's choices already refuse another city's id; this stops whatever the
        form did not (a field left out of the choices, a subclass's mistake).
        """
        if not City.objects.is_editable_by(request.user, self.city_id_of(obj)):
            raise PermissionDenied(CityRecordPermission.message)

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm, change: bool
    ) -> None:
        self.check_city_is_editable(request, obj)
        if self._tracked_relations():
            # One version for the fields and the relations: see save_related().
            obj.skip_history_when_saving = True
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        obj = form.instance
        if not hasattr(obj, "skip_history_when_saving"):
            super().save_related(request, form, formsets, change)
            return
        try:
            super().save_related(request, form, formsets, change)
        finally:
            del obj.skip_history_when_saving
        # The version, with the relations as the form left them.
        record_version(obj, created=not change)

    def _tracked_relations(self) -> list[Any]:
        history_model = get_history_model_for_model(self.model)
        return list(getattr(history_model, "_history_m2m_fields", []))

    # --- History and restore ------------------------------------------------------------

    def may_restore(self, request: HttpRequest, obj: models.Model | None) -> bool:
        """Site staff restore any version of a record they may see, given the model's
        change permission. Officers do not: they change the record itself."""
        return (
            is_site_staff(request.user)
            and self._django_permission(request, "change")
            and self.has_view_permission(request, obj)
        )

    def revert_disabled(
        self, request: HttpRequest, obj: models.Model | None = None
    ) -> bool:
        # Not super(): it offers the restore to whoever may change the record.
        if getattr(settings, "SIMPLE_HISTORY_REVERT_DISABLED", False):
            return True
        return not self.may_restore(request, obj)

    def get_history_queryset(
        self, request: HttpRequest, history_manager: Any, pk_name: str, object_id: Any
    ) -> QuerySet[Any]:
        # As simple-history's, which (3.13) calls select_related() with no names for a
        # model without foreign keys, such as City: Django 6.1 deprecates that call.
        queryset = history_manager.filter(**{pk_name: object_id})
        if not isinstance(history_manager.model.history_user, property):
            queryset = queryset.select_related("history_user")
        related = [
            field.name
            for field in history_manager.model.tracked_fields
            if isinstance(field, models.ForeignKey)
        ]
        return queryset.select_related(*related) if related else queryset

    def get_form(
        self,
        request: HttpRequest,
        obj: models.Model | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm]:
        historical = getattr(obj, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if obj is not None and historical is not None:
            # An earlier version's page (history_form_view): show its relations as
            # they were then, not as they are now.
            # (Django's private cache of prefetched relations, unknown to django-stubs.)
            obj._prefetched_objects_cache = version_relations(historical)  # type: ignore[attr-defined]
        return super().get_form(request, obj, change, **kwargs)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            return self.restore_view(request, object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def restore_view(
        self, request: HttpRequest, object_id: str, version_id: str
    ) -> HttpResponse:
        """Restore the version exactly as recorded, whatever the form posted."""
        history_model = get_history_model_for_model(self.model)
        historical = get_object_or_404(
            history_model,
            **{self.opts.pk.attname: unquote(object_id), "history_id": version_id},
        )
        obj = historical.instance
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        if not self.may_restore(request, obj):
            raise PermissionDenied(_("Only site staff can restore an earlier version."))
        try:
            restored = self.restore(request, historical)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.path)
        when = localize(localtime(historical.history_date))
        message = _("Restored the version of %(when)s.") % {"when": when}
        self.log_change(request, restored, message)
        self.message_user(request, message, messages.SUCCESS)
        info = (self.admin_site.name, self.opts.app_label, self.opts.model_name)
        return HttpResponseRedirect(
            reverse("{}:{}_{}_history".format(*info), args=[restored.pk])
        )

    @transaction.atomic
    def restore(self, request: HttpRequest, historical: Any) -> models.Model:
        """Save `historical`'s fields and relations as the record's newest version,
        made by the user who restored it. Raises ValidationError if the version no
        longer fits (its district was deleted since, its slug was taken...)."""
        obj = historical.instance
        obj._state.adding = False
        obj._history_user = request.user
        if any(field.name == "updated_by" for field in self.opts.fields):
            obj.updated_by = request.user
        obj.full_clean()
        save_with_relations(obj, version_relations(historical))
        return obj


def view_on_site(
    request: HttpRequest, content_type_id: str, object_id: str
) -> HttpResponse:
    """The admin's "view on site" redirect, for the records the user may see there.

    Django's own (contenttypes.views.shortcut, at admin/r/<ct>/<id>/) redirects any
    staff user to any record's page, so an officer who counts ids would learn the slug,
    and so the title, of another city's draft. Meant to be routed, wrapped in
    admin.site.admin_view(), at that URL ahead of admin.site.urls.
    """
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        # A stale content type has no model: get_model_admin(None) raises NotRegistered.
        model_admin = admin.site.get_model_admin(model)  # type: ignore[arg-type]
    except (ContentType.DoesNotExist, ValueError, NotRegistered):
        model_admin = None
    if isinstance(model_admin, CityScopedAdmin):
        try:
            visible = (
                model_admin.get_queryset(request).filter(pk=unquote(object_id)).exists()
            )
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404
    return shortcut(request, content_type_id, object_id)


class CityScopedInline(ScopedChoicesMixin, _InlineModelAdmin):
    """An inline on a city's record: its rows are changed, added and deleted by whoever
    may change, add or delete the record they belong to."""

    parent_model: type[models.Model]
    admin_site: admin.AdminSite

    def _parent_admin(self) -> Any:
        return self.admin_site.get_model_admin(self.parent_model)

    # InlineModelAdmin's takes the parent record, as Django's does; django-stubs' types
    # it as an override of BaseModelAdmin's, which does not.
    def has_add_permission(self, request: HttpRequest, obj: Any) -> bool:  # type: ignore[override]
        parent = self._parent_admin()
        parent_allows = (
            parent.has_add_permission(request)
            if obj is None
            else parent.has_change_permission(request, obj)
        )
        return parent_allows and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        parent = self._parent_admin()
        parent_allows = (
            parent.has_add_permission(request)
            if obj is None
            else parent.has_change_permission(request, obj)
        )
        return parent_allows and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_admin().has_delete_permission(
            request, obj
        ) and super().has_delete_permission(request, obj)


class SiteStaffOnlyAdmin(AutocompleteMixin, admin.ModelAdmin):
    """An admin for site staff alone, such as the memberships, which decide who is an
    officer or a reviewer: an officer managing them could make themselves a member of
    any city."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_site_staff(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_site_staff(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_site_staff(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_site_staff(request.user) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_site_staff(request.user) and super().has_delete_permission(
            request, obj
        )

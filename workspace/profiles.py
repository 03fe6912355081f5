"""The city profile in the workspace: officers keep their city's teams, labs,
strategies and funding programmes current, and state what the city has none of
(`City.STATEMENTS`: no dedicated team, no formal strategy).

The city comes from `City.objects.editable_by` (so another city is a 404), every
choice in a form is limited to that city, and each save is a version in the record's
history (django-simple-history, with the user from the request), relations included.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.two_factor import second_factor_required
from cities.models import (
    City,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Strategy,
    unique_slug,
)
from core.etags import etag_for
from core.fields import field_list
from core.forms import ModelMultipleChoiceField
from core.history import save_with_relations
from core.models import InnovationType

from .versions import version_page


@dataclass(frozen=True)
class ProfileKind:
    """One kind of city record the workspace edits."""

    key: str
    model: type[models.Model]
    fields: list[str]
    title_field: str = "name"
    # The path from the record to its city, and the field a new record gets it in.
    city_path: str = "city"
    m2m: list[str] = field(default_factory=list)
    widgets: dict[str, Any] = field(default_factory=dict)
    add_label: Any = ""  # "Add a lab": the article differs from kind to kind.

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def label_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def records(self, city: City) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(**{self.city_path: city})

    def form_class(self) -> type[CityRecordForm]:
        """The kind's form: CityRecordForm with its fields and widgets."""
        # The factory makes a subclass of the form it is given.
        return cast(
            type[CityRecordForm],
            forms.modelform_factory(
                self.model,
                form=CityRecordForm,
                fields=self.fields,
                widgets=self.widgets,
                field_classes=dict.fromkeys(self.m2m, ModelMultipleChoiceField),
            ),
        )

    def save(self, form: CityRecordForm, *, user: Any) -> models.Model:
        """Save a valid form as one version by `user`, relations included; a new
        record gets a slug made from its title."""
        record = form.save(commit=False)
        if record._state.adding:
            record.slug = unique_slug(self.model, getattr(record, self.title_field))
        record._history_user = user
        save_with_relations(
            record, {name: form.cleaned_data[name] for name in self.m2m}
        )
        return record

    def edit_token(self, record: models.Model) -> str:
        """A fingerprint of the record's values in the form, as saved: sent back
        with a save, which is refused if someone saved the record since."""
        values = forms.model_to_dict(record, fields=self.fields)
        plain = {
            name: sorted(item.pk for item in value) if name in self.m2m else value
            for name, value in values.items()
        }
        return etag_for(plain, "editor").strip('"')


# Each kind's form: its model's FIELDS, but the city, which is the URL's, never the
# form's (a lab's city is its team's).
KINDS = {
    kind.key: kind
    for kind in [
        ProfileKind(
            "teams",
            InnovationTeam,
            add_label=gettext_lazy("Add an innovation team"),
            fields=field_list(InnovationTeam.FIELDS, leave_out=["city"]),
        ),
        ProfileKind(
            "labs",
            Lab,
            Lab.FIELDS,
            city_path="team__city",
            add_label=gettext_lazy("Add a lab"),
        ),
        ProfileKind(
            "strategies",
            Strategy,
            field_list(Strategy.FIELDS, leave_out=["city"]),
            title_field="title",
            m2m=["innovation_types"],
            add_label=gettext_lazy("Add a strategy"),
            widgets={
                "innovation_types": forms.CheckboxSelectMultiple,
                "adopted_on": forms.DateInput(attrs={"type": "date"}),
            },
        ),
        ProfileKind(
            "funds",
            FundingProgramme,
            field_list(FundingProgramme.FIELDS, leave_out=["city"]),
            add_label=gettext_lazy("Add a funding programme"),
        ),
    ]
}
KIND_PATTERN = "|".join(KINDS)
STATEMENT_PATTERN = "|".join(City.STATEMENTS)


class CityRecordForm(forms.ModelForm):
    """A team, lab, strategy or funding programme of one city: its teams and districts
    are the only choices, and the record's city is set from the page, never the form.
    """

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city = city
        for name in ("team", "parent"):
            if name in self.fields:
                teams = InnovationTeam.objects.filter(city=city)
                if self.instance.pk and isinstance(self.instance, InnovationTeam):
                    teams = teams.exclude(pk=self.instance.pk)
                # A relation's form field: a ModelChoiceField, typed as any Field.
                cast(forms.ModelChoiceField, self.fields[name]).queryset = teams
        if "district" in self.fields:
            district = cast(forms.ModelChoiceField, self.fields["district"])
            district.queryset = District.objects.filter(city=city)
        if "innovation_types" in self.fields:
            kinds = cast(forms.ModelChoiceField, self.fields["innovation_types"])
            kinds.queryset = InnovationType.objects.all()
        for bound in self.fields.values():
            if isinstance(bound.widget, forms.Textarea):
                bound.widget.attrs.setdefault("rows", 5)
        if "team" in self.fields and isinstance(self.instance, Lab):
            self.fields["team"].required = True

    def _get_validation_exclusions(self) -> Any:
        # The city is set on the record before the form checks it, so the "one name
        # per city" constraints are checked here, not left to the database.
        # Django's private method, which django-stubs leaves out.
        exclusions = super()._get_validation_exclusions()  # type: ignore[misc]
        exclusions.discard("city")
        return exclusions


def _city(request: HttpRequest, city_slug: str) -> City:
    return get_object_or_404(City.objects.editable_by(request.user), slug=city_slug)


# --- What reviewers look over -------------------------------------------------------------

# How far back, and how many, changes to city records the review queue lists.
RECENT_DAYS = 30
RECENT_CHANGES = 50


def recent_record_changes(cities: models.QuerySet[City, Any]) -> list[dict[str, Any]]:
    """The latest changes to the teams, labs, strategies and funding programmes of
    `cities` (the last RECENT_DAYS days, at most RECENT_CHANGES), newest first.

    These records are public as soon as a city's officer saves them, without review
    before (docs/architecture.md, "City records and review" says why); the reviewers
    of the city look them over after, in their queue, from this list. One query a
    kind."""
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    changes = []
    for kind in KINDS.values():
        versions = (
            kind.model.history.filter(  # type: ignore[attr-defined]  # simple-history's
                **{f"{kind.city_path}__in": cities}, history_date__gte=since
            )
            .select_related("history_user", kind.city_path)
            .order_by("-history_date")[:RECENT_CHANGES]
        )
        for version in versions:
            city = version
            for step in kind.city_path.split("__"):
                city = getattr(city, step)
            changes.append(
                {
                    "kind": kind,
                    "version": version,
                    "title": getattr(version, kind.title_field),
                    "city": city,
                }
            )
    changes.sort(key=lambda change: change["version"].history_date, reverse=True)
    return changes[:RECENT_CHANGES]


def _kind(key: str) -> ProfileKind:
    try:
        return KINDS[key]
    except KeyError:
        raise Http404(_("No such kind of record.")) from None


class CityStatementForm(forms.ModelForm):
    """One of the city's statements (`City.STATEMENTS`), beside the section of the
    records that would contradict it; `City.clean()` refuses a contradiction."""

    def _update_errors(self, errors: ValidationError) -> None:
        # City.clean() checks every statement: one this form does not show (left
        # contradicted by a record saved since) is the form's own problem, not a field's.
        if hasattr(errors, "error_dict"):
            errors = ValidationError(
                {
                    name if name in self.fields else NON_FIELD_ERRORS: messages
                    for name, messages in errors.error_dict.items()
                }
            )
        # Django's, which django-stubs leaves out.
        super()._update_errors(errors)  # type: ignore[misc]


def statement_form(
    city: City, kind_key: str, data: Any = None
) -> CityStatementForm | None:
    """The form of the statement that sits beside `kind_key`'s records, if any."""
    name = City.STATEMENTS.get(kind_key)
    if name is None:
        return None
    form_class = forms.modelform_factory(City, form=CityStatementForm, fields=[name])
    return cast(
        CityStatementForm,
        form_class(data, instance=city, prefix=f"statement-{kind_key}"),
    )


def _profile_page(
    request: HttpRequest,
    city: City,
    bound: CityStatementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sections = []
    for kind in KINDS.values():
        form = (
            bound
            if bound is not None and bound.prefix == f"statement-{kind.key}"
            else statement_form(city, kind.key)
        )
        records = list(kind.records(city).order_by("pk"))
        sections.append({"kind": kind, "records": records, "statement": form})
    return render(
        request,
        "workspace/city_profile.html",
        {"city": city, "sections": sections},
        status=status,
    )


@never_cache
@login_required
def city_profile(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The city's teams, labs, strategies and funding programmes, to add and edit, and
    its statements of none."""
    return _profile_page(request, _city(request, city_slug))


@never_cache
@login_required
@second_factor_required
@require_POST
def city_statement(request: HttpRequest, city_slug: str, kind_key: str) -> HttpResponse:
    """Save one of the city's statements (a version in the city's history), or show
    the profile again with what is wrong."""
    with transaction.atomic():
        city = get_object_or_404(
            City.objects.editable_by(request.user).select_for_update(of=("self",)),
            slug=city_slug,
        )
        form = statement_form(city, kind_key, request.POST)
        if form is None:
            raise Http404(_("No such statement."))
        if not form.is_valid():
            return _profile_page(request, city, form, status=400)
        if form.has_changed():
            record = form.save(commit=False)
            record._history_user = request.user
            record.save()
            messages.success(request, _("The city's statement is saved."))
        else:
            messages.info(request, _("Nothing changed: the statement is as it was."))
    return redirect(
        f"{reverse('workspace:city_profile', args=[city.slug])}#kind-{kind_key}"
    )


@never_cache
@login_required
def city_history(request: HttpRequest, city_slug: str) -> HttpResponse:
    """Each version of the city's own record (its statements among its fields),
    newest first, with what changed."""
    city = get_object_or_404(City.objects.with_member(request.user), slug=city_slug)
    versions = city.history.select_related("history_user")
    page, entries = version_page(request, versions)
    context = {"city": city, "page": page, "entries": entries}
    return render(request, "workspace/city_history.html", context)


@never_cache
@login_required
@second_factor_required
def record_edit(
    request: HttpRequest, city_slug: str, kind_key: str, slug: str | None = None
) -> HttpResponse:
    """Add a record to the city (no slug) or change one of its records.

    A change is read, checked and saved with the record's row locked, and refused
    (409, everything as typed) if someone saved the record after this form was
    opened; saving again then keeps this version, knowingly."""
    with transaction.atomic():
        return _record_edit(request, city_slug, kind_key, slug)


def _record_edit(
    request: HttpRequest, city_slug: str, kind_key: str, slug: str | None
) -> HttpResponse:
    city = _city(request, city_slug)
    kind = _kind(kind_key)
    # The record's edit token: a fingerprint of its values, not a secret.
    token = ""  # nosec B105
    if slug is None:
        instance = kind.model()
        if kind.city_path == "city":
            instance.city = city  # type: ignore[attr-defined]  # kind.model has a city
    else:
        records = kind.records(city)
        if request.method == "POST":
            # Its own row only, as an UPDATE locks it (see CityRecordViewSet).
            records = records.order_by().select_for_update(no_key=True, of=("self",))
        instance = get_object_or_404(records, slug=slug)
        token = kind.edit_token(instance)
    form = kind.form_class()(request.POST or None, instance=instance, city=city)
    sent = request.POST.get("edit_token", "")
    if request.method == "POST" and sent and token and sent != token:
        form.is_valid()  # Shows what is wrong with it too, if anything.
        messages.error(
            request,
            _(
                "Someone else saved this record after you opened it, so your changes "
                "are not saved yet: they are below, as you typed them. See its "
                "history to compare; then save again to keep your version."
            ),
        )
        context = {
            "city": city,
            "kind": kind,
            "form": form,
            "record": instance,
            "edit_token": token,
        }
        return render(request, "workspace/city_record_form.html", context, status=409)
    if request.method == "POST" and form.is_valid():
        record = kind.save(form, user=request.user)
        messages.success(
            request,
            _("%(kind)s “%(title)s” is saved.")
            % {
                "kind": kind.label.capitalize(),
                "title": getattr(record, kind.title_field),
            },
        )
        return redirect("workspace:city_profile", city_slug=city.slug)
    context = {
        "city": city,
        "kind": kind,
        "form": form,
        "record": instance,
        "edit_token": sent or token,
    }
    status = 400 if form.is_bound else 200
    return render(request, "workspace/city_record_form.html", context, status=status)


@never_cache
@login_required
def record_history(
    request: HttpRequest, city_slug: str, kind_key: str, slug: str
) -> HttpResponse:
    """Each version of a city record, newest first, with what changed."""
    # The city's members and site staff: its reviewers look over these changes.
    city = get_object_or_404(City.objects.with_member(request.user), slug=city_slug)
    kind = _kind(kind_key)
    record = get_object_or_404(kind.records(city), slug=slug)
    versions = record.history.select_related("history_user")
    page, entries = version_page(request, versions)
    context = {
        "city": city,
        "kind": kind,
        "record": record,
        "page": page,
        "entries": entries,
        "title": getattr(record, kind.title_field),
    }
    return render(request, "workspace/city_record_history.html", context)

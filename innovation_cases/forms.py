"""Forms of the workspace, where officers and reviewers move cases through review."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cities.models import City, District, InnovationTeam
from core.fields import field_list
from core.forms import ModelMultipleChoiceField
from core.validators import validate_web_url

from . import images
from .models import (
    CLASSIFICATION_FIELDS,
    EVIDENCE_DEFINITIONS,
    RELATION_FIELDS,
    SECTION_FIELDS,
    TEXT_FIELDS,
    TRANSLATION_FIELDS,
    TRANSLATION_REQUIRED,
    CaseRevision,
    CaseStudy,
    translation_field,
)


class CommentForm(forms.Form):
    """A reviewer's comment on a decision. Blank is allowed here: the model method
    says when a comment is required (to request changes, or to reject), so the rule
    is written once."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "Sent to the officer with your decision. Required to request changes "
            "or to reject."
        ),
    )


# --- The case editor ------------------------------------------------------------------

# The editor's sections, in order: (id, heading, help, fields). The template renders
# them as fieldsets; the form's own field order follows them.
CASE_SECTIONS = [
    (
        "place",
        _("The case"),
        _("What it is called, and where it happened."),
        ["title", "city", "district", "teams", "partners"],
    ),
    (
        "story",
        _("The story"),
        _(
            "Write for an officer in another city who is about to try the same. "
            "Markdown is allowed: *emphasis*, **strong**, lists, [links](https://…). "
            "Use Preview to see how it will look."
        ),
        ["original_language", "summary", *SECTION_FIELDS],
    ),
    (
        "classification",
        _("Classification"),
        _(
            "How the Atlas files the case, so that others find it. Each choice says "
            "what it means."
        ),
        CLASSIFICATION_FIELDS,
    ),
    ("years", _("When"), "", ["year_started", "year_ended"]),
    (
        "image",
        _("Image"),
        "",
        ["image_file", "remove_image", "image_alt", "image_credit"],
    ),
]
IMAGE_SALT = "innovation_cases.case-image"


class DefinedRadioSelect(forms.RadioSelect):
    """Radios whose options each carry their definition (`definitions`, by value),
    which the editor shows as the option's hint (workspace/_case_field.html)."""

    def __init__(self, definitions: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.definitions = definitions

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["definition"] = self.definitions.get(option["value"], "")
        return option


class CaseForm(forms.ModelForm):
    """A case as its officer writes it. The choices of city, district and team are the
    user's own cities' (CityQuerySet.editable_by), so another city's id is refused as
    an invalid choice; the model's clean() checks the district, the years and the
    image description again.

    The image is uploaded into `image_file`, checked and stored at once (images.py),
    and carried through a failed submission in a signed hidden field, so that nobody
    has to pick the file again because another field was wrong.
    """

    image_file = forms.FileField(
        label=_("Upload an image"),
        required=False,
        help_text=_(
            "Optional. A JPEG, PNG or WebP image, at least 320 × 180 pixels. It is "
            "resized for the web, and its metadata (such as where a photo was "
            "taken) is removed."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )
    remove_image = forms.BooleanField(
        label=_("Remove the current image"), required=False
    )
    # A plain Field, whose value goes to clean_pending_image however broken: a page
    # sent back altered (a NUL byte, say) is an image not carried over, not an error
    # on a field the page cannot show.
    pending_image = forms.Field(required=False, widget=forms.HiddenInput)

    class Meta:
        model = CaseStudy
        # The image is uploaded into image_file, checked and stored at once.
        fields = field_list(CaseStudy.FIELDS, leave_out=["image"])
        field_classes = dict.fromkeys(RELATION_FIELDS, ModelMultipleChoiceField)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "challenge": forms.Textarea(attrs={"rows": 8}),
            "approach": forms.Textarea(attrs={"rows": 8}),
            "results": forms.Textarea(attrs={"rows": 8}),
            "lessons_learned": forms.Textarea(attrs={"rows": 6}),
            "teams": forms.CheckboxSelectMultiple,
            "innovation_types": forms.CheckboxSelectMultiple,
            "drivers": forms.CheckboxSelectMultiple,
            "approaches": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "lifecycle_stage": forms.RadioSelect,
            "evidence": DefinedRadioSelect(EVIDENCE_DEFINITIONS),
            # Checkboxes, not a Ctrl-click list, which a phone cannot use; a long list
            # gets a filter box from static/js/case-editor.js.
            "partners": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "title": _("What the city did, in a few words."),
            "teams": _("The city's innovation teams that took part, if any."),
            "partners": _("Universities, foundations and others that took part."),
            "image_alt": _(
                "Required with an image: what it shows, for people who cannot see it."
            ),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cities = City.objects.editable_by(user)
        # The relations' form fields, typed as any Field.
        choices = cast("dict[str, forms.ModelChoiceField]", self.fields)
        choices["city"].queryset = cities.order_by("name")
        if not self.instance.pk:
            own = list(cities[:2])
            if len(own) == 1:
                # An officer of one city writes its cases: no choice to make, and no
                # empty option to pick by mistake.
                self.initial["city"] = own[0]
                choices["city"].empty_label = None
        choices["district"].queryset = District.objects.filter(
            city__in=cities.values("pk")
        ).select_related("city")
        choices["teams"].queryset = InnovationTeam.objects.filter(
            city__in=cities.values("pk")
        ).select_related("city")
        choices["lifecycle_stage"].empty_label = _("Not known")
        if self.instance.pk and self.instance.status not in CaseStudy.EDITABLE_STATUSES:
            # A revision changes the text, not where the case belongs.
            self.fields["city"].disabled = True
        if not self.instance.image:
            del self.fields["remove_image"]
        # A select always sends a language; an editor page opened before the field
        # existed sends none, which keeps the case's (a new case's default).
        self.fields["original_language"].required = False
        # Likewise the evidence of results: radios send nothing when none is
        # ticked, and a page opened before the field existed has none.
        self.fields["evidence"].required = False

    def clean_original_language(self) -> str:
        return self.cleaned_data.get("original_language") or (
            self.instance.original_language
        )

    def clean_evidence(self) -> str:
        return self.cleaned_data.get("evidence") or self.instance.evidence

    # The image --------------------------------------------------------------------------

    def clean_pending_image(self) -> str:
        """The name of an image uploaded with an earlier, refused submission."""
        signed = self.cleaned_data.get("pending_image") or ""
        if not signed or not isinstance(signed, str) or "\x00" in signed:
            return ""
        try:
            return signing.loads(signed, salt=IMAGE_SALT, max_age=60 * 60 * 24)
        except signing.BadSignature:
            return ""

    def clean_image_file(self) -> str:
        upload = self.cleaned_data.get("image_file")
        if not upload:
            return ""
        try:
            return images.process_upload(upload)
        finally:
            upload.close()

    def chosen_image(self) -> str | None:
        """The image name the case should get: a new upload (now or before), "" to
        remove the image, None to keep what it has."""
        data = getattr(self, "cleaned_data", {})
        uploaded = data.get("image_file") or data.get("pending_image")
        if uploaded:
            return uploaded
        if data.get("remove_image"):
            return ""
        return None

    def pending_image_value(self) -> str:
        """The signed name of an image stored with this submission, for the next."""
        name = self.chosen_image()
        return signing.dumps(name, salt=IMAGE_SALT) if name else ""

    # The rest ---------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = cast("dict[str, Any]", super().clean())  # Form's: its cleaned_data
        city, teams = data.get("city"), data.get("teams")
        if city and teams:
            elsewhere = [team.name for team in teams if team.city_id != city.pk]
            if elsewhere:
                self.add_error(
                    "teams",
                    _("These teams are not in %(city)s: %(teams)s.")
                    % {"city": city.name, "teams": ", ".join(elsewhere)},
                )
        return data

    def _post_clean(self) -> None:
        # The model's clean() checks that an image has a description: tell it which
        # image the case will have before it runs.
        image = self.chosen_image()
        if image is not None:
            self.instance.image = image
        super()._post_clean()  # type: ignore[misc]  # Django's private hook, not in django-stubs

    def _update_errors(self, errors: ValidationError) -> None:
        # The model's clean() checks the whole case, and so also what this form does
        # not edit (a translation, which the translation editor writes): an error on
        # such a field is the form's own, naming the field, not a crash.
        if hasattr(errors, "error_dict"):
            for name in [n for n in errors.error_dict if n != NON_FIELD_ERRORS]:
                if name in self.fields:
                    continue
                field = cast(models.Field, CaseStudy._meta.get_field(name))
                label = capfirst(field.verbose_name)
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                    ValidationError(f"{label}: {message}")
                    for error in errors.error_dict.pop(name)
                    for message in error.messages
                )
        super()._update_errors(errors)  # type: ignore[misc]  # Django's private hook

    def values(self) -> dict[str, Any]:
        """The revisable values, as CaseRevision.propose takes them: all but the
        translations, which the translation editor writes."""
        values = {
            name: self.cleaned_data.get(name)
            for name in CaseRevision.FIELDS
            if name not in TRANSLATION_FIELDS
        }
        values.update({name: self.cleaned_data[name] for name in RELATION_FIELDS})
        image = self.chosen_image()
        values["image"] = self.instance.image.name if image is None else image
        return values

    def error_summary(self) -> list[dict[str, Any]]:
        """Every error, in the page's order, for the summary at the top of the editor
        (see error_item): the case's own first, then its fields', section by section."""
        on_page = [name for *_, names in CASE_SECTIONS for name in names]
        elsewhere = [name for name in self.fields if name not in on_page]
        items = [error_item(None, self.non_field_errors())]
        items += [
            error_item(self[name], self.errors[name])
            for name in [*on_page, *elsewhere]
            if name in self.errors
        ]
        return [item for item in items if item["message"]]

    def sections(self, previews: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """The editor's sections with their fields, each with its Markdown preview
        (None when none was asked for)."""
        previews = previews or {}
        return [
            {
                "id": id_,
                "heading": heading,
                "help": help_text,
                "fields": [
                    {"field": self[name], "preview": previews.get(name)}
                    for name in names
                    if name in self.fields
                ],
            }
            for id_, heading, help_text, names in CASE_SECTIONS
        ]


def error_item(
    field: forms.BoundField | None, errors: Iterable[Any], label: str = ""
) -> dict[str, Any]:
    """One line of an error summary: the field's label, its messages and the id of
    the element it links to (#id_title; a list of choices is a fieldset with that
    id). An error about the whole form (`field` None) links nowhere."""
    return {
        "href": f"#{field.auto_id}" if field is not None else "",
        "label": label or (field.label if field is not None else ""),
        "message": " ".join(str(error) for error in errors),
    }


class SourceForm(forms.Form):
    """One source of a case. The id says which of the case's sources it is (blank
    for a new one); an id that is not one of the case's is treated as new."""

    # A plain Field, whose value clean_id reads: an id that is not a number is not
    # one of the case's either, so it too is a new source (rather than an error on
    # a field the page cannot show).
    id = forms.Field(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title of the document"), max_length=300)
    authors = forms.CharField(label=_("Authors"), max_length=300, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    url = forms.URLField(
        label=_("Link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        # A plain form, so the model field's validator is named here too.
        validators=[validate_web_url],
        help_text=_("Where the document can be read, if online."),
    )
    published_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=_("What it supports"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The claim this source backs, or a short quote."),
    )

    def clean_id(self) -> int | None:
        value: Any = self.cleaned_data.get("id")
        try:
            number = int(value)
        except (TypeError, ValueError):
            return None
        return number if number > 0 else None


class BaseSourceFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict[str, Any]]:
        """The sources to keep, as CaseStudy.set_sources takes them."""
        # An untouched empty row has no cleaned data; a row marked for removal goes.
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def error_summary(self) -> list[dict[str, Any]]:
        """The sources' errors for the editor's summary (see error_item): the list's
        own, then each row's, named by its number ("Source 2: Link")."""
        items = [error_item(None, self.non_form_errors())]
        for number, form in enumerate(self.forms, start=1):
            for name, errors in form.errors.items():
                # A row's own error (there is none yet) links to its first field.
                field = form[name if name != NON_FIELD_ERRORS else "title"]
                label = _("Source %(number)s: %(label)s") % {
                    "number": number,
                    "label": field.label,
                }
                items.append(error_item(field, errors, label))
        return [item for item in items if item["message"]]

    def with_another_row(self) -> BaseSourceFormSet:
        """The same rows, as sent, and one more empty one, which takes the focus (as
        the row the page's script adds does); none past max_num."""
        total = self.total_form_count()
        if total >= self.max_num:
            return self
        # A row's fields have one value each: a plain dict of the data holds them.
        data = {**self.data, self.add_prefix(TOTAL_FORM_COUNT): str(total + 1)}
        formset = type(self)(data, self.files, prefix=self.prefix)
        formset.forms[-1].fields["title"].widget.attrs["autofocus"] = True
        return formset


SourceFormSet = forms.formset_factory(
    SourceForm,
    formset=BaseSourceFormSet,
    extra=1,
    can_delete=True,
    max_num=40,
    validate_max=True,
)


class TranslationForm(forms.Form):
    """A case's text in one language other than its original: the title and summary
    required, as the original's are; a section left empty is shown in the original.
    Each field is written in that language (`lang`), and labelled as the original's."""

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        # What each field is, as the original's form names it ("Title").
        self.legends: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            model_field = cast(models.Field, CaseStudy._meta.get_field(name))
            self.legends[name] = model_field.verbose_name
            field = cast(
                forms.Field,
                model_field.formfield(required=name in TRANSLATION_REQUIRED),
            )
            # "Title (German)": the legend names the field, the label the language.
            column = CaseStudy._meta.get_field(translation_field(name, language))
            field.label = capfirst(cast(models.Field, column).verbose_name)
            field.widget.attrs["lang"] = language
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 4 if name == "summary" else 8
            self.fields[name] = field

    def columns(self) -> dict[str, str | None]:
        """The translation's columns (`title_de`, ...), an empty field as none."""
        return {
            translation_field(name, self.language): self.cleaned_data[name] or None
            for name in TEXT_FIELDS
        }

"""A case's translations: a column a field and a language, through django-modeltranslation.

modeltranslation declares `title_de`, `summary_de`, the sections' `challenge_de`, ...
for each of the site's languages on the case's own row, and on its history's
(simple-history's `HistoricalCaseStudy`, so that every version keeps every language).
So a translation is part of the case as any field is: a revision proposes it, a
reviewer approves it, the history records it with a diff, and a restore brings it
back, with no second table or join; the admin shows the columns as the vocabularies'.

The vocabularies (core/translation.py) exist in every language, and modeltranslation's
own reading suits them: `term.name` is the reader's language's value, else English's.
A case is different: it exists in its original language (`original_language`, which
differs from case to case) and, perhaps, in some translations. modeltranslation's
fallback is one order of languages for the whole site, so `case.title` read in English
would be an Italian case's empty English column. Here the case's own fields keep the
original text, as they did before there were translations, for every reader, query and
export that names them; `CaseStudy.in_language()` picks the reader's translation or the
original (models.py). So after registering, `keep_the_original()` undoes, for the case
and its history, the parts of modeltranslation that would read or write the reader's
language's column in the field's name: its attribute descriptors, its constructor, and
its managers, whose querysets rewrite a lookup or an ordering by a translated field
(`order_by("title")`) to the reader's language's column and make
save(update_fields=["title"]) write that column too.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import options
from django.db.models.query_utils import DeferredAttribute
from django.utils.text import format_lazy
from modeltranslation.manager import MultilingualManager
from modeltranslation.translator import TranslationOptions, translator

from .models import TEXT_FIELDS, CaseStudy, translation_field


class CaseTextTranslationOptions(TranslationOptions):
    fields = tuple(TEXT_FIELDS)
    # None is required: a translation is optional, and when there is one its title and
    # summary are (CaseStudy.clean()).
    required_languages = ()
    fallback_languages = {"default": ()}


def keep_the_original(model: type[models.Model]) -> None:
    """Make `model`'s translated fields read and write their own column again, and
    name each translation's column as the workspace's diffs and history show it:
    "summary (German)", not modeltranslation's "summary [de]"."""
    # Its managers and its base manager (through its Options) as they were: plain
    # querysets, which name the columns they are given.
    for manager in model._meta.local_managers:
        patched = manager.__class__
        if patched is MultilingualManager:
            manager.__class__ = models.Manager
        elif issubclass(patched, MultilingualManager):
            # patch_manager_class's NewMultilingualManager(MultilingualManager, the
            # manager's own class, MultilingualQuerysetManager).
            manager.__class__ = patched.__bases__[1]
    model._meta.__class__ = options.Options
    model._meta._expire_cache()  # type: ignore[attr-defined]  # Django's, unstubbed
    for name in TEXT_FIELDS:
        field = cast(models.Field, model._meta.get_field(name))
        setattr(model, name, DeferredAttribute(field))
        for language, language_name in settings.LANGUAGES:
            column = cast(
                models.Field, model._meta.get_field(translation_field(name, language))
            )
            column.verbose_name = format_lazy(
                "{} ({})", field.verbose_name, language_name
            )
    # modeltranslation's constructor copies `title=` into the active language's column.
    if "__init__" in vars(model):
        delattr(model, "__init__")


HistoricalCaseStudy = CaseStudy.history.model

translator.register(CaseStudy, CaseTextTranslationOptions)
translator.register(HistoricalCaseStudy, CaseTextTranslationOptions)
keep_the_original(CaseStudy)
keep_the_original(HistoricalCaseStudy)

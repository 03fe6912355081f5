"""The records' translated fields, through django-modeltranslation.

Each field registered here gets a column per language of the site (`name_en`,
`name_de`, `name_it`, `name_fr`, `name_sk`) on the record's own row, and the field's own
name (`term.name`) reads the active language's value, else English's. A translated
field is an ordinary field of its model: the admin, the forms and the API read and
write it as any other, and a query that names the field (`order_by("name")`) is
rewritten to the active language's column.

The vocabularies' names and definitions are all translated (`required_languages`): a
term added in the admin is added in every language, so that no page in German shows an
English term. Their translations are kept in `locale/vocabulary/<lang>.json`, by slug
(`core.vocabularies.load_translations`).
"""

from __future__ import annotations

from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from .models import Approach, Driver, InnovationType, LifecycleStage, Theme


@register([InnovationType, Driver, Approach, Theme, LifecycleStage])
class TermTranslationOptions(TranslationOptions):
    fields = ("name", "definition")
    required_languages = tuple(code for code, _name in settings.LANGUAGES)

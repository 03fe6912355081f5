"""The vocabularies that classify a case, declared once.

Each is a model of terms (`models.Term`), a relation of the case, a query parameter of
the case list (and so a facet, and a field of the search index), a breakdown of the
statistics and an API endpoint. The filters, the facets, the statistics, the API's
router and the case list's template all read this table, in its order (the order the
case list shows the facets in).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.utils.functional import Promise
from django.utils.text import capfirst
from modeltranslation.utils import build_localized_fieldname

from .models import Approach, Driver, InnovationType, LifecycleStage, Term, Theme


@dataclass(frozen=True)
class Vocabulary:
    # The case list's query parameter, its facet, the search index's field and the
    # statistics' breakdown (by_<name>).
    name: str
    model: type[Term]
    case_field: str  # the case's relation to its terms
    api_path: str  # /api/v1/<api_path>/
    api_basename: str  # the API's route names: api:<api_basename>-list, -detail
    description: str  # the API endpoint's, in the OpenAPI schema
    many: bool = True  # whether a case has several terms of it, or at most one
    # A former name of the case list's query parameter (which is `name`), still
    # accepted and documented as deprecated: the API published the lifecycle stage's
    # as `stage` before the statistics and the schema named it `lifecycle_stage`.
    alias: str = ""

    @property
    def label(self) -> str | Promise:
        """ "Innovation type", "Lifecycle stage": for headings and legends."""
        # (A model's verbose_name is never None: Django makes one from its name.)
        return cast("str | Promise", capfirst(self.model._meta.verbose_name))


VOCABULARIES: tuple[Vocabulary, ...] = (
    Vocabulary(
        "innovation_type",
        InnovationType,
        "innovation_types",
        "innovation-types",
        "innovation-type",
        "OPSI's four innovation types.",
    ),
    Vocabulary(
        "theme", Theme, "themes", "themes", "theme", "The policy themes cases address."
    ),
    Vocabulary(
        "driver",
        Driver,
        "drivers",
        "drivers",
        "driver",
        "What drives a city to innovate, internal or external.",
    ),
    Vocabulary(
        "approach",
        Approach,
        "approaches",
        "approaches",
        "approach",
        "How a city goes about innovating.",
    ),
    Vocabulary(
        "lifecycle_stage",
        LifecycleStage,
        "lifecycle_stage",
        "lifecycle-stages",
        "lifecycle-stage",
        "How far an innovation has come.",
        many=False,
        alias="stage",
    ),
)

BY_NAME: dict[str, Vocabulary] = {v.name: v for v in VOCABULARIES}
BY_MODEL: dict[type[Term], Vocabulary] = {v.model: v for v in VOCABULARIES}

# A term's name in each language, column by column (core/translation.py).
NAME_COLUMNS: tuple[str, ...] = tuple(
    build_localized_fieldname("name", code) for code, _name in settings.LANGUAGES
)


# --- Translations ------------------------------------------------------------------------

# The terms' names and definitions in each language but English (the source, in the
# terms' own rows): {model name: [{"slug", "name", "definition"}, ...]} in <lang>.json.
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "locale" / "vocabulary"


def translations(language: str) -> dict[str, list[dict[str, str]]]:
    """The vocabularies' translations into `language`, from its file."""
    path = TRANSLATIONS_DIR / f"{language}.json"
    return cast(dict[str, list[dict[str, str]]], json.loads(path.read_text("utf-8")))


def load_translations(apps: Any) -> None:
    """Write each term's name and definition in every language but English from
    locale/vocabulary/ (by slug), into the term's columns for that language: one
    update per vocabulary.

    `apps` is a migration's (its historical models) or anything with get_model(app,
    model) answering today's models; the columns are named by language, which
    neither rewrites."""
    files = {
        code: translations(code)
        for code, _name in settings.LANGUAGES
        if code != settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    }
    for vocabulary in VOCABULARIES:
        model_name = vocabulary.model.__name__
        model = apps.get_model("core", model_name)
        terms = {term.slug: term for term in model.objects.all()}
        columns = []
        for language, file in files.items():
            name, definition = (
                build_localized_fieldname(field, language)
                for field in ("name", "definition")
            )
            columns += [name, definition]
            for row in file.get(model_name, []):
                term = terms.get(row["slug"])
                if term is not None:
                    setattr(term, name, row["name"])
                    setattr(term, definition, row["definition"])
        model.objects.bulk_update(terms.values(), columns)

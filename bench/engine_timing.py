"""A rough timing of the search engine (innovation_cases/engine/), without a database.

    .venv/bin/python bench/engine_timing.py [--cases 20000]

Builds an index of synthetic documents (made by `engine.documents.document_for` from
stand-in cases whose text comes from the phrase lists of `demo/synthetic.py`)
in a temporary directory, then times questions answered by `engine.search.search`
(search, count, the page's ids, seven facet aggregations and twenty snippets), and
compares the two storage designs of `engine/schema.py`: only the id and summary stored,
or everything a result card shows. Prints numbers; asserts nothing. Not a test: timings
belong in `make bench`, never in the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import MethodType, SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import tantivy  # noqa: E402

from demo import synthetic  # noqa: E402
from innovation_cases.engine import schema  # noqa: E402
from innovation_cases.engine.documents import document_for  # noqa: E402
from innovation_cases.engine.search import Filters, search  # noqa: E402
from innovation_cases.models import CaseStudy  # noqa: E402

THEMES = list(synthetic.FOCUS)
TYPES = ["enhancement-oriented", "mission-oriented", "adaptive", "anticipatory"]
DRIVERS = ["management", "political", "economic", "social", "technological"]
STAGES = ["identifying-problems", "implementing", "evaluating"]
COUNTRIES = ["SE", "BE", "FR", "DE", "NL", "ES", "IT", "PL"]


class _Related(list[Any]):
    def all(self) -> list[Any]:
        return self


def _sentence(rng: random.Random) -> str:
    lists = [
        synthetic.ACTORS,
        synthetic.VERBS,
        synthetic.ADJECTIVES,
        synthetic.NOUNS,
        synthetic.GOALS,
        synthetic.PARTNERS,
        synthetic.METRICS,
    ]
    return " ".join(rng.choice(items) for items in lists).capitalize() + "."


def _case(rng: random.Random, pk: int) -> Any:
    theme = rng.choice(THEMES)
    city = rng.randrange(400)
    published = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        minutes=rng.randrange(5_000_000)
    )
    slug = SimpleNamespace
    case = SimpleNamespace(
        pk=pk,
        original_language="en",
        slug=f"case-{pk}",
        is_synthetic=True,
        status=CaseStudy.Status.PUBLISHED,
        title=f"{rng.choice(synthetic.FOCUS[theme]).capitalize()} in City {city}",
        summary=" ".join(_sentence(rng) for _ in range(3)),
        challenge=" ".join(_sentence(rng) for _ in range(6)),
        approach=" ".join(_sentence(rng) for _ in range(8)),
        results=" ".join(_sentence(rng) for _ in range(6)),
        lessons_learned=" ".join(_sentence(rng) for _ in range(4)),
        city=SimpleNamespace(
            name=f"City {city}",
            slug=f"city-{city}",
            country=SimpleNamespace(code=COUNTRIES[city % len(COUNTRIES)]),
        ),
        district=None,
        teams=_Related(),
        innovation_types=_Related(slug(slug=t) for t in rng.sample(TYPES, 2)),
        drivers=_Related(slug(slug=t) for t in rng.sample(DRIVERS, 2)),
        approaches=_Related(),
        themes=_Related([slug(slug=theme)]),
        lifecycle_stage=slug(slug=rng.choice(STAGES)),
        year_started=rng.choice([None, *range(2000, 2026)]),
        year_ended=None,
        published_at=published,
        updated_at=published,
    )
    # What a document reads of the case's languages: the model's own methods.
    for method in ("translation", "translations", "languages", "in_language"):
        setattr(case, method, MethodType(getattr(CaseStudy, method), case))
    return case


def _card_schema() -> tantivy.Schema:
    """The alternative: the index also stores what a result card shows."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in schema.TEXT_FIELDS:
        builder.add_text_field(name, stored=True, tokenizer_name=schema.STEM)
        builder.add_text_field(schema.folded(name), tokenizer_name=schema.FOLD)
    for name in schema.FACET_FIELDS.values():
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    builder.add_integer_field("year_started", stored=True, indexed=True, fast=True)
    builder.add_integer_field("year_ended", stored=True, indexed=True, fast=True)
    builder.add_date_field("published_at", stored=True, indexed=True, fast=True)
    for name in schema.SORT_FIELDS:
        builder.add_unsigned_field(name, fast=True)
    for name in ["slug", "city_name", "image", "term_names"]:
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    return builder.build()


def _build(path: Path, cases: list[Any], card: bool) -> float:
    started = time.perf_counter()
    index = tantivy.Index(_card_schema() if card else schema.SCHEMA, path=str(path))
    schema.register_analyzers(index)
    writer = index.writer(200_000_000, 2)
    for case in cases:
        doc = document_for(case)
        if card:
            doc.add_text("slug", f"case-{case.pk}")
            doc.add_text("city_name", case.city.name)
            doc.add_text("image", f"cases/{case.pk}/image-1200.webp")
            doc.add_text("term_names", "Mobility; Adaptive; Social")
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - started


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _ms(function: Any, repeat: int = 5) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-storage",
        action="store_true",
        help="Build only the index as designed, not the stored-card alternative.",
    )
    options = parser.parse_args()
    rng = random.Random(options.seed)  # noqa: S311 -- test data, not secrets
    cases = [_case(rng, pk) for pk in range(1, options.cases + 1)]
    with tempfile.TemporaryDirectory() as directory:
        lean, card = Path(directory, "lean"), Path(directory, "card")
        lean.mkdir()
        card.mkdir()
        # Built twice each, alternately, keeping the faster: the machine is shared.
        lean_seconds = card_seconds = float("inf")
        designs = (
            [(lean, False)] if options.skip_storage else [(lean, False), (card, True)]
        )
        for _attempt in range(1 if options.skip_storage else 2):
            for path, is_card in designs:
                shutil.rmtree(path)
                path.mkdir()
                seconds = _build(path, cases, card=is_card)
                if is_card:
                    card_seconds = min(card_seconds, seconds)
                else:
                    lean_seconds = min(lean_seconds, seconds)
        print(f"{options.cases:,} documents")
        print(
            f"  id + summary stored: built in {lean_seconds:.1f} s, "
            f"{_size(lean) / 1e6:.1f} MB"
        )
        if not options.skip_storage:
            print(
                f"  card stored:         built in {card_seconds:.1f} s, "
                f"{_size(card) / 1e6:.1f} MB"
            )
        for name, path in [("id + summary", lean), ("card", card)][: len(designs)]:
            index = tantivy.Index.open(str(path))
            schema.register_analyzers(index)
            searcher = index.searcher()
            hits = searcher.search(tantivy.Query.all_query(), 20).hits
            times = _ms(
                lambda s=searcher, h=hits: [s.doc(a).to_dict() for _, a in h], 20
            )
            print(
                f"  load 20 stored documents ({name}): {statistics.median(times):.2f} ms"
            )

        index = tantivy.Index.open(str(lean))
        schema.register_analyzers(index)
        searcher = index.searcher()
        questions: list[tuple[str, dict[str, Any]]] = [
            ("", {}),
            ("digital", {}),
            ("innovation", {}),
            ("residents", {}),
            ("particip", {}),
            ("innovati", {}),
            ('"public transport"', {}),
            ("digital -mobility", {}),
            ("school OR cycle", {}),
            ("resdents", {}),  # a typo: the fuzzy second pass and a suggestion
            ("digital", {"filters": Filters(theme=("mobility",))}),
            (
                "digital",
                {
                    "filters": Filters(
                        theme=("mobility",), innovation_type=("adaptive",)
                    )
                },
            ),
            ("", {"filters": Filters(country=("SE", "BE"), year_min=2010)}),
            ("", {"ordering": "title", "offset": 5000}),
            ("", {"ordering": "-year", "offset": 10000}),
            ("residents", {"ordering": "oldest"}),
        ]
        print("question: median / max of 5, ms (search + count + 7 facets + snippets)")
        medians = []
        for text, kwargs in questions:
            times = _ms(lambda t=text, k=kwargs: search(t, searcher=searcher, **k))
            result = search(text, searcher=searcher, **kwargs)
            medians.append(statistics.median(times))
            print(
                f"  {text or '(all)'!r:24} {kwargs!s:70.70} "
                f"{statistics.median(times):7.1f} / {max(times):7.1f}  "
                f"({result.total:,} found"
                + (f", did you mean {result.suggestion!r}" if result.suggestion else "")
                + ")"
            )
        print(f"median of medians: {statistics.median(medians):.1f} ms")


if __name__ == "__main__":
    main()

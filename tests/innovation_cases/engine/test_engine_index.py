"""The index on disk: built from published cases only, versioned, rebuilt when it is
old or corrupt, and swapped in atomically (its changes: test_journal.py)."""

import json
from pathlib import Path

import pytest
import tantivy

from innovation_cases.engine import index as engine_index
from innovation_cases.engine.documents import (
    NotPublic,
    document_for,
    published_documents,
)
from innovation_cases.engine.schema import SCHEMA_VERSION, combination, split_buckets
from innovation_cases.engine.search import search
from innovation_cases.models import CaseStudy

pytestmark = pytest.mark.django_db


def live_generation(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def test_a_rebuild_records_the_schema_version_and_count(built, index_dir):
    generation = live_generation(index_dir)
    info = json.loads((generation / "atlas-index.json").read_text())
    assert info["schema_version"] == SCHEMA_VERSION
    assert info["documents"] == 5
    state = engine_index.status()
    assert (state.problem, state.documents, state.generation) == (
        None,
        5,
        generation.name,
    )


def test_a_draft_is_never_made_a_document(corpus):
    with pytest.raises(NotPublic):
        document_for(corpus["draft"])
    ids = {document.get_first("id") for document in published_documents()}
    assert ids == {case.pk for key, case in corpus.items() if key != "draft"}


def test_documents_load_in_a_fixed_number_of_queries(
    corpus, django_assert_max_num_queries
):
    # The cases with their city, district, stage and count of sources (for their
    # completeness, a subquery of the same query), then one query per relation.
    with django_assert_max_num_queries(6):
        documents = list(published_documents())
    assert len(documents) == 5
    twin = next(d for d in documents if d.get_first("id") == corpus["twin"].pk)
    assert twin.get_all("places") == ["Ghent", "Havenlab"]
    assert twin.get_all("theme") == ["mobility"]
    assert twin.get_all("evidence") == ["measured"]
    assert twin.get_all("completeness") == [35]
    streets = next(d for d in documents if d.get_first("id") == corpus["streets"].pk)
    # Its one source counted without a query of its own.
    assert streets.get_all("completeness") == [25]


def test_a_missing_index_is_built_on_first_use(corpus, index_dir):
    assert engine_index.status().problem.startswith("There is no search index")
    assert search("harbour").ids == [corpus["twin"].pk]
    assert (index_dir / "CURRENT").exists()


def test_an_index_of_another_schema_version_is_rebuilt(built, index_dir):
    old = live_generation(index_dir)
    info = json.loads((old / "atlas-index.json").read_text())
    (old / "atlas-index.json").write_text(json.dumps({**info, "schema_version": 0}))
    engine_index.reset_reader()
    assert "schema version 0" in engine_index.status().problem
    assert search("harbour").ids == [built["twin"].pk]
    assert live_generation(index_dir) != old
    assert not old.exists()


def test_an_index_without_its_version_file_is_rebuilt(built, index_dir):
    old = live_generation(index_dir)
    (old / "atlas-index.json").unlink()
    engine_index.reset_reader()
    assert search("harbour").total == 1
    assert live_generation(index_dir) != old


@pytest.mark.parametrize("victim", ["meta.json", "every file"])
def test_a_corrupt_index_is_rebuilt_not_served(built, index_dir, victim):
    old = live_generation(index_dir)
    files = [
        f
        for f in old.iterdir()
        if f.is_file() and f.name != "atlas-index.json"
        if victim == "every file" or f.name == victim
    ]
    assert files
    for path in files:
        path.write_bytes(b"\x00garbage\xff" * 50)
    engine_index.reset_reader()
    assert engine_index.status().problem is not None
    assert search("harbour").ids == [built["twin"].pk]
    assert search().total == 5
    assert live_generation(index_dir) != old


def test_a_garbage_current_pointer_is_rebuilt(built, index_dir):
    (index_dir / "CURRENT").write_text("../../etc\n")
    engine_index.reset_reader()
    assert "does not name an index" in engine_index.status().problem
    assert search().total == 5


def test_readers_follow_a_rebuild(built, index_dir):
    before = engine_index.reader()
    CaseStudy.objects.filter(pk=built["twin"].pk).update(title="Digital twin of docks")
    engine_index.rebuild()
    assert engine_index.reader() is not before
    assert search("docks").ids == [built["twin"].pk]


def test_rebuild_if_needed_leaves_a_valid_index_alone(built, index_dir):
    generation = live_generation(index_dir)
    assert engine_index.rebuild(if_needed=True).built is False
    assert live_generation(index_dir) == generation


def test_the_live_index_is_a_plain_tantivy_index(built, index_dir):
    index = tantivy.Index.open(str(live_generation(index_dir)))
    assert index.searcher().num_docs == 5


def test_a_multi_valued_facet_is_counted_from_its_combinations():
    """A case's themes are one value of `theme_set` ("mobility public-spaces"); the
    terms aggregation's buckets are spread back over the slugs."""
    buckets = [
        {"key": "mobility public-spaces", "doc_count": 3},
        {"key": "mobility", "doc_count": 2},
        {"key": "public-spaces social-inclusion", "doc_count": 1},
    ]
    assert split_buckets("theme", buckets) == {
        "mobility": 5,
        "public-spaces": 4,
        "social-inclusion": 1,
    }
    # A single-valued facet's keys are its values, a hyphen or not.
    assert split_buckets("city", [{"key": "la-paz ghent", "doc_count": 2}]) == {
        "la-paz ghent": 2
    }
    assert combination(["public-spaces", "mobility", "mobility"]) == (
        "mobility public-spaces"
    )

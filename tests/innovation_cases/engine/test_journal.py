"""The journal: every change the public can see reaches the index on the next search,
through the entries written in the change's own transaction (engine/journal.py).

In one process here; tests/test_index_processes.py runs the same across real processes,
with kills and corruption."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from core.models import Theme
from innovation_cases.engine import index as engine_index
from innovation_cases.engine import journal
from innovation_cases.engine.journal import Entry, State, advanced
from innovation_cases.engine.search import Filters, search
from innovation_cases.models import CaseStudy, IndexJournalEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


def state_file(index_dir) -> dict:
    generation = (index_dir / "CURRENT").read_text().strip()
    return json.loads((index_dir / generation / "journal.json").read_text())


@pytest.fixture
def reviewer(db):
    return UserFactory(username="journal-reviewer", is_staff=True, is_superuser=True)


# --- What writes an entry -----------------------------------------------------------


def test_publishing_reaches_the_next_search(built, reviewer):
    draft = built["draft"]
    assert search("zanzibar").total == 0
    draft.submit(by=reviewer)
    assert search("zanzibar").total == 0  # submitted is not public
    draft.publish(by=reviewer)
    assert search("zanzibar").ids == [draft.pk]
    assert search().total == 6

    draft.archive(by=reviewer)
    assert search("zanzibar").total == 0
    assert search().total == 5


def test_an_edit_of_a_published_case_replaces_its_document(built):
    case = built["streets"]
    case.title = "Pelican crossings near schools"
    case.save()
    assert search("zebra").total == 0
    assert search("pelican").ids == [case.pk]
    assert search().total == 5


def test_a_draft_writes_no_entry_and_never_reaches_the_index(built):
    before = IndexJournalEntry.objects.count()
    draft = built["draft"]
    draft.summary = "A zanzibar plan, rewritten."
    draft.save()
    draft.themes.set(Theme.objects.all()[:2])
    assert IndexJournalEntry.objects.count() == before
    assert search("zanzibar").total == 0


def test_deleting_a_published_case(built):
    built["streets"].delete()
    assert search("zebra").total == 0
    assert search().total == 4


def test_classifying_a_published_case(built):
    twin = built["twin"]
    homelessness = Theme.objects.get(slug="homelessness")
    twin.themes.add(homelessness)
    assert search(filters=Filters(theme=("homelessness",))).ids == [twin.pk]
    twin.themes.remove(homelessness)
    assert search(filters=Filters(theme=("homelessness",))).total == 0


def test_renaming_a_city_a_district_or_a_team_rewrites_its_cases(built):
    ghent = built["twin"].city
    ghent.name = "Gent"
    ghent.save()
    assert set(search("gent").ids) == {built["twin"].pk, built["data"].pk}

    district = CaseStudy.objects.get(pk=built["data"].pk).district
    district.name = "Oostakker"
    district.save()
    assert search("oostakker").ids == [built["data"].pk]

    team = built["twin"].teams.get()
    team.name = "Portlab"
    team.save()
    assert search("portlab").ids == [built["twin"].pk]
    assert search("havenlab").total == 0


def test_deleting_a_district_or_a_team_rewrites_its_cases(built):
    CaseStudy.objects.get(pk=built["data"].pk).district.delete()
    assert search("sint-amandsberg").total == 0
    built["twin"].teams.get().delete()
    assert search("havenlab").total == 0
    assert search().total == 5


def test_a_saved_city_that_is_not_renamed_writes_nothing(built):
    before = IndexJournalEntry.objects.count()
    city = built["twin"].city
    city.description = "A port city."
    city.save()
    assert IndexJournalEntry.objects.count() == before


def test_a_rolled_back_change_reaches_nothing(built):
    case = built["streets"]
    with pytest.raises(RuntimeError), transaction.atomic():
        case.title = "Pelican crossings"
        case.save()
        raise RuntimeError("rolled back")
    assert search("pelican").total == 0
    assert search("zebra").ids == [case.pk]


def test_an_entry_without_a_case_rebuilds(built, index_dir):
    old = (index_dir / "CURRENT").read_text()
    # As the bulk loaders write: no signal, then an entry asking for everything.
    CaseStudy.objects.filter(pk=built["streets"].pk).update(title="Pelican crossings")
    journal.record_everything()
    assert search("pelican").ids == [built["streets"].pk]
    assert (index_dir / "CURRENT").read_text() != old


# --- Positions, gaps and rebuilds ---------------------------------------------------


def at(minutes: float) -> datetime.datetime:
    return datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        minutes=minutes
    )


def test_the_position_moves_over_applied_entries():
    state = advanced(State(position=3), [Entry(4, 1, at(0)), Entry(5, 2, at(0))], at(1))
    assert (state.position, state.applied, state.commit) == (5, set(), 1)


def test_a_gap_holds_the_position_until_an_entry_after_it_is_old():
    # Entry 5 is not visible yet: its transaction may still commit.
    entries = [Entry(4, 1, at(0)), Entry(6, 2, at(0))]
    state = advanced(State(position=3), entries, at(1))
    assert (state.position, state.applied) == (4, {6})
    assert not state.covers(5) and state.covers(6)
    # Later than the window after entry 6 was written, 5 has rolled back.
    later = advanced(state, [Entry(6, 2, at(0))], at(0) + journal.WINDOW * 2)
    assert (later.position, later.applied) == (6, set())


def test_an_entry_that_commits_late_is_applied(built, index_dir):
    case = built["streets"]
    case.title = "Pelican crossings"
    case.save()
    late = IndexJournalEntry.objects.latest("id")
    # As if its transaction committed after a later one had been applied: the index
    # has applied everything after it, and it is the gap.
    generation = engine_index.current_generation_path()
    State(position=late.id - 1, applied={late.id + 1}, commit=7, synced_at=0).write(
        generation
    )
    data = state_file(index_dir)
    data["synced_at"] = timezone.now().timestamp()
    (generation / "journal.json").write_text(json.dumps(data))
    assert search("pelican").ids == [case.pk]
    assert state_file(index_dir)["position"] >= late.id


def test_entries_written_during_a_rebuild_are_replayed_on_the_new_index(
    built, monkeypatch
):
    fill = engine_index._fill

    def fill_then_publish(path, progress):
        documents = fill(path, progress)
        # A publish that commits while the rebuild is still writing its generation.
        case = CaseStudy.objects.get(pk=built["draft"].pk)
        case.status, case.published_at = S.PUBLISHED, timezone.now()
        case.save()
        return documents

    monkeypatch.setattr(engine_index, "_fill", fill_then_publish)
    engine_index.rebuild()
    monkeypatch.undo()
    assert search("zanzibar").ids == [built["draft"].pk]


def test_an_index_that_has_not_synced_for_longer_than_the_journal_keeps_is_rebuilt(
    built, index_dir
):
    generation = engine_index.current_generation_path()
    State(position=0, applied=set(), commit=1, synced_at=0.0).write(generation)
    search("zebra")
    assert (index_dir / "CURRENT").read_text().strip() != generation.name
    assert search().total == 5


def test_a_busy_writer_leaves_the_answer_as_it_was(built, monkeypatch, caplog):
    monkeypatch.setattr(engine_index, "WRITER_WAIT", 0.2)
    index, _path = engine_index.open_current()
    writer = index.writer(engine_index.UPDATE_HEAP, 1)  # another writer holds the lock
    try:
        streets = built["streets"].pk
        built["streets"].delete()
        assert search("zebra").ids == [streets]  # stale, not an error
        assert "busy" in caplog.text
    finally:
        writer.rollback()
        writer.wait_merging_threads()
    assert search("zebra").total == 0


# --- Pruning and the command --------------------------------------------------------


def test_sync_prunes_old_entries_and_check_reports_what_is_pending(built, settings):
    settings.SEARCH_JOURNAL_DAYS = 30
    search()  # the index is built and up to date
    old = IndexJournalEntry.objects.create(
        case_id=built["fund"].pk, created_at=timezone.now() - datetime.timedelta(40)
    )
    # An entry the index has not seen: a change written outside this process.
    CaseStudy.objects.filter(pk=built["fund"].pk).update(title="Seed grants")
    IndexJournalEntry.objects.create(case_id=built["fund"].pk)
    with pytest.raises(CommandError, match="behind the journal"):
        call_command("search_index", "check", verbosity=0)
    call_command("search_index", "sync", verbosity=0)
    assert not IndexJournalEntry.objects.filter(pk=old.pk).exists()
    call_command("search_index", "check", verbosity=0)
    assert search("seed").ids == [built["fund"].pk]

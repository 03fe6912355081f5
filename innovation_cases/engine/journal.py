"""The journal: how a change reaches every machine's index, on commit.

A change to what the public sees of a case (a publish, an approved revision, an archive,
a restore, a deletion, a rename of its city, district, team or vocabulary term) writes an
`IndexJournalEntry` in the same transaction, from the signals below. The entry is
committed with the change or not at all: there is no window in which the database holds
a published case that the journal does not know of.

Before it answers a question, every process brings its machine's index up to the
journal (`fresh_searcher()`): one indexed query for the entries after the index's
position. Entries it has not applied yet are applied under `sync.lock` (one process of
the machine at a time, tantivy's single writer), each case re-read from the database and
its document replaced, deleted, or left out if it is not published. The new position is
written to `journal.json` in the index's generation after tantivy's commit, and every
process's reader reloads when it sees a newer commit there. So a publish is visible to
the very next search in any worker; several machines each keep their own index, fed by
the same table; a machine that was down catches up on its next request.

Replaying is idempotent (an entry means "make the case's document what the database
says now"), which is what makes the rest simple:

- **crashes**: a process killed half-way through a sync has committed nothing that its
  `journal.json` does not cover, so the next sync applies the same entries again;
- **gaps**: PostgreSQL hands out ids when a row is inserted, not when it is committed,
  so entry 11 may be visible before entry 10 is. The position therefore only moves past
  a missing id once an entry after it is older than `WINDOW` (its transaction has
  rolled back, or it would have committed by then); the entries applied beyond the
  position are listed in `journal.json` so that they are not applied twice;
- **rebuilds**: a rebuild starts its new generation at the position `WINDOW` before it
  began reading, so anything committed during the (minutes-long) read is replayed on top;
- **everything**: an entry without a case (the bulk loaders) makes the next sync rebuild.

Entries older than `SEARCH_JOURNAL_DAYS` are pruned by `manage.py search_index sync`; an
index that has not synced for that long is rebuilt rather than replayed.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import tantivy
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.utils import timezone

from core.vocabularies import VOCABULARIES

from ..models import CaseStudy, IndexJournalEntry
from . import index as engine_index
from .documents import RELATIONS as DOCUMENT_RELATIONS
from .documents import document_for, indexable_case

logger = logging.getLogger(__name__)

STATE_FILE: Final = "journal.json"
SYNC_LOCK: Final = "sync.lock"
# How long a transaction may hold an entry uncommitted before the position moves past
# it (see "gaps" above). Longer than any request's transaction; the cost of a long
# window is only that entries beyond a gap are read (not applied) again until it ends.
WINDOW: Final = datetime.timedelta(minutes=5)
# Cases re-read from the database per query while applying entries.
APPLY_CHUNK: Final = 500


def keep_for() -> datetime.timedelta:
    return datetime.timedelta(days=settings.SEARCH_JOURNAL_DAYS)


@dataclass
class State:
    """What `journal.json` records of one generation: every entry up to `position` is
    in it, and so are those in `applied`; `commit` counts the syncs that wrote it."""

    position: int = 0
    applied: set[int] = field(default_factory=set)
    commit: int = 0
    synced_at: float = 0.0

    @classmethod
    def read(cls, generation: Path) -> State | None:
        try:
            data = json.loads((generation / STATE_FILE).read_text(encoding="utf-8"))
            return cls(
                position=int(data["position"]),
                applied={int(i) for i in data["applied"]},
                commit=int(data["commit"]),
                synced_at=float(data["synced_at"]),
            )
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def write(self, generation: Path) -> None:
        data = {
            "position": self.position,
            "applied": sorted(self.applied),
            "commit": self.commit,
            "synced_at": self.synced_at,
        }
        engine_index.write_atomically(generation / STATE_FILE, json.dumps(data))

    def covers(self, entry_id: int) -> bool:
        return entry_id <= self.position or entry_id in self.applied


@dataclass(frozen=True)
class Entry:
    id: int
    case_id: int | None
    created_at: datetime.datetime


# --- Writing entries (in the transaction of the change) -------------------------------


def record(case_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Journal a change to these cases, in the current transaction."""
    ids = sorted(set(case_ids))
    if ids:
        IndexJournalEntry.objects.using(using).bulk_create(
            [IndexJournalEntry(case_id=i) for i in ids], batch_size=1000
        )


def record_everything(using: str = DEFAULT_DB_ALIAS) -> None:
    """Journal a change too broad to list: the next sync rebuilds the index."""
    IndexJournalEntry.objects.using(using).create(case_id=None)


# --- Reading them -----------------------------------------------------------------------


def entries_after(position: int) -> list[Entry]:
    return [
        Entry(*row)
        for row in IndexJournalEntry.objects.filter(id__gt=position)
        .order_by("id")
        .values_list("id", "case_id", "created_at")
    ]


@dataclass(frozen=True)
class LastChange:
    """The newest change to what the public sees of the cases: the validators of the
    open data (the exports' and the catalogue's ETag and Last-Modified)."""

    entry: int | None  # the journal's newest entry; None once every entry is pruned
    at: datetime.datetime | None  # None with no published case and no entry


def last_change() -> LastChange:
    """Two indexed queries. The time is the newer of the journal's newest entry (an
    archive or a deletion, which leave no published case to date it) and the newest
    published case's update (the entries are pruned after SEARCH_JOURNAL_DAYS)."""
    newest = (
        IndexJournalEntry.objects.order_by("-id")
        .values_list("id", "created_at")
        .first()
    )
    updated = (
        CaseStudy.objects.published()
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
    times = [t for t in (newest[1] if newest else None, updated) if t is not None]
    return LastChange(entry=newest[0] if newest else None, at=max(times, default=None))


def starting_state() -> State:
    """The state of a generation whose build starts now (see "rebuilds" above): the
    position before the last `WINDOW`, the newer entries visible now as applied (they
    are committed, so the build will read their changes)."""
    now = timezone.now()
    before = (
        IndexJournalEntry.objects.filter(created_at__lt=now - WINDOW)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    ) or 0
    recent = entries_after(before)
    return State(
        position=before,
        applied={e.id for e in recent},
        commit=0,
        synced_at=now.timestamp(),
    )


def advanced(state: State, entries: list[Entry], now: datetime.datetime) -> State:
    """`state` after `entries` (every entry after its position, in id order) have been
    applied: the position moves over applied entries and over missing ids that are
    abandoned (an entry after them is older than WINDOW)."""
    applied = state.applied | {e.id for e in entries}
    cutoff = now - WINDOW
    old_after = [False] * (len(entries) + 1)
    for i in range(len(entries) - 1, -1, -1):
        old_after[i] = old_after[i + 1] or entries[i].created_at < cutoff
    position = state.position
    for i, entry in enumerate(entries):
        if entry.id > position + 1 and not old_after[i]:
            break  # a gap that a transaction may still fill
        position = entry.id
    return State(
        position=position,
        applied={i for i in applied if i > position},
        commit=state.commit + 1,
        synced_at=now.timestamp(),
    )


# --- Applying them -----------------------------------------------------------------------


def _apply(index: tantivy.Index, case_ids: list[int]) -> None:
    """Make the index hold each case as the database has it now, in one commit."""
    with engine_index.writer(index) as writer:
        for start in range(0, len(case_ids), APPLY_CHUNK):
            chunk = case_ids[start : start + APPLY_CHUNK]
            for case_id in chunk:
                writer.delete_documents_by_term("id", case_id)
            for case_id in chunk:
                case = indexable_case(case_id)
                if case is not None:
                    writer.add_document(document_for(case))


def _stale(state: State | None, now: datetime.datetime) -> bool:
    """No state, or none newer than the journal keeps: replaying could miss entries."""
    return state is None or now.timestamp() - state.synced_at > (
        keep_for().total_seconds()
    )


def sync() -> State | None:
    """Bring this machine's index up to the journal; its state afterwards (None if
    a rebuild has just made a generation whose state is written by that rebuild)."""
    engine_index.reader()  # opens the index, building it if there is none
    state = State.read(engine_index.current_generation_path())
    if not _stale(state, timezone.now()):
        assert state is not None  # noqa: S101 -- _stale says so  # nosec B101
        if all(state.covers(e.id) for e in entries_after(state.position)):
            return state
    with engine_index.sync_lock():
        generation = engine_index.current_generation_path()
        state = State.read(generation)
        now = timezone.now()
        if _stale(state, now):
            logger.warning("The search index has no recent journal state; rebuilding.")
            engine_index.rebuild()
            return State.read(engine_index.current_generation_path())
        assert state is not None  # noqa: S101 -- _stale says so  # nosec B101
        entries = entries_after(state.position)
        pending = [e for e in entries if not state.covers(e.id)]
        if not pending:
            return state
        if any(e.case_id is None for e in pending):
            engine_index.rebuild()
            return State.read(engine_index.current_generation_path())
        case_ids = list(dict.fromkeys(e.case_id for e in pending if e.case_id))
        _apply(engine_index.open_generation(generation), case_ids)
        state = advanced(state, entries, now)
        state.write(generation)
        return state


def fresh_searcher() -> tantivy.Searcher:
    """A searcher that sees every change committed before this call: the index synced
    with the journal, and this process's reader reloaded if another process (or this
    one) has written to it since. If another process holds the writer for longer than
    `index.WRITER_WAIT`, the question is answered from the index as it is."""
    try:
        state = sync()
    except engine_index.IndexBusy:
        logger.warning("The search index is busy; answering from it as it is.")
        state = State.read(engine_index.current_generation_path())
    commit = state.commit if state is not None else -1
    reader = engine_index.reader()
    if reader.seen_commit != commit or commit < 0:
        engine_index.reload()
        reader = engine_index.reader()
        reader.seen_commit = commit
    return reader.searcher()


def with_searcher[T](question: Callable[[tantivy.Searcher], T]) -> T:
    """`question` asked of a fresh searcher. If it fails and the index turns out to
    be broken (a file corrupted under the running process), the index is rebuilt and
    the question asked once more: the page answers, a little late, rather than fail."""
    try:
        return question(fresh_searcher())
    except BaseException as error:
        if not isinstance(error, Exception) and not engine_index.is_panic(error):
            raise
        try:
            engine_index.open_current()
        except engine_index.IndexUnavailable as problem:
            logger.error("The search index is unusable (%s); rebuilding it.", problem)
        else:
            raise  # the index is sound: a genuine error, not to be hidden
    engine_index.rebuild(if_needed=True)
    return question(fresh_searcher())


def prune(now: datetime.datetime | None = None) -> int:
    """Delete the entries older than SEARCH_JOURNAL_DAYS; how many."""
    now = now or timezone.now()
    deleted, _ = IndexJournalEntry.objects.filter(
        created_at__lt=now - keep_for()
    ).delete()
    return deleted


def status() -> dict[str, Any]:
    """For `manage.py search_index check`: the position and what is pending."""
    try:
        generation = engine_index.current_generation_path()
    except engine_index.IndexUnavailable:
        return {"state": None, "pending": None}
    state = State.read(generation)
    if state is None:
        return {"state": None, "pending": None}
    pending = [e for e in entries_after(state.position) if not state.covers(e.id)]
    return {"state": state, "pending": len(pending)}


# --- The signals that write entries ------------------------------------------------------
#
# Writes that bypass signals (bulk_create, QuerySet.update(), raw SQL) must call
# `record()` or `record_everything()` themselves: the demo loader and the synthetic
# generator do.

PUBLISHED = CaseStudy.Status.PUBLISHED
# Set on an instance by pre_save, read by post_save.
_CHANGED = "_search_journal_cases"


def _published(using: str) -> QuerySet[CaseStudy]:
    return CaseStudy.objects.using(using).filter(status=PUBLISHED)


def case_saving(
    sender: type[CaseStudy], instance: CaseStudy, using: str, **kwargs: Any
) -> None:
    # Whether the stored row is published (then the save changes the public case,
    # whatever the new status): the stored row, not the instance's loaded state.
    setattr(
        instance,
        _CHANGED,
        instance.pk is not None
        and instance.status != PUBLISHED
        and _published(using).filter(pk=instance.pk).exists(),
    )


def case_saved(
    sender: type[CaseStudy],
    instance: CaseStudy,
    using: str,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw or instance.status == PUBLISHED or getattr(instance, _CHANGED, True):
        record([instance.pk], using)


def case_deleted(
    sender: type[CaseStudy], instance: CaseStudy, using: str, **kwargs: Any
) -> None:
    record([instance.pk], using)


def case_relations_changed(
    sender: type[Any],
    instance: Any,
    action: str,
    reverse: bool,
    model: type[Any],
    pk_set: set[int] | None,
    using: str,
    **kwargs: Any,
) -> None:
    """case.themes.add(...) changes the case; theme.cases.add(...) the cases in
    `pk_set`; theme.cases.clear() every case of the theme (listed before the clear)."""
    if not reverse:
        if action.startswith("post_") and instance.status == PUBLISHED:
            record([instance.pk], using)
        return
    if action == "pre_clear":
        cases = _published(using).filter(**{_relation_of(sender): instance})
        record(cases.values_list("pk", flat=True), using)
    elif action in ("post_add", "post_remove") and pk_set:
        cases = _published(using).filter(pk__in=pk_set)
        record(cases.values_list("pk", flat=True), using)


def _relation_of(through: type[Any]) -> str:
    """The name of the case's relation whose link table is `through`."""
    for name in DOCUMENT_RELATIONS:
        if getattr(CaseStudy, name).through is through:
            return name
    raise LookupError(through)


# What a document takes from a record that is not a case, by model: the fields whose
# change rewrites the documents, and the path from a case to the record.
INDEXED_FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "cities.city": (("name", "slug", "country"), "city"),
    "cities.district": (("name",), "district"),
    "cities.innovationteam": (("name",), "teams"),
    # A term's slug, through the case's relation to its vocabulary.
    **{v.model._meta.label_lower: (("slug",), v.case_field) for v in VOCABULARIES},
}


def _cases_of(instance: Any, using: str) -> QuerySet[CaseStudy]:
    _fields, path = INDEXED_FIELDS[instance._meta.label_lower]
    return _published(using).filter(**{path: instance})


def record_saving(sender: type[Any], instance: Any, using: str, **kwargs: Any) -> None:
    """A rename of a city, district, team or term rewrites its published cases."""
    fields, _path = INDEXED_FIELDS[sender._meta.label_lower]
    changed = False
    if instance.pk is not None:
        stored = (
            sender._default_manager.using(using)
            .filter(pk=instance.pk)
            .values(*fields)
            .first()
        )
        changed = stored is not None and any(
            str(stored[f]) != str(getattr(instance, f)) for f in fields
        )
    setattr(instance, _CHANGED, changed)


def record_saved(
    sender: type[Any], instance: Any, using: str, raw: bool = False, **kwargs: Any
) -> None:
    if raw or getattr(instance, _CHANGED, False):
        record(_cases_of(instance, using).values_list("pk", flat=True), using)


def record_deleting(
    sender: type[Any], instance: Any, using: str, **kwargs: Any
) -> None:
    """Deleting a district, team or term unlinks its cases without a signal of theirs
    (SET_NULL and link rows are deleted by query): journal them first. A city cannot
    be deleted while it has cases (PROTECT)."""
    record(_cases_of(instance, using).values_list("pk", flat=True), using)


def source_changed(
    sender: type[Any], instance: Any, using: str, raw: bool = False, **kwargs: Any
) -> None:
    """A source cited, changed or removed changes its case's completeness, which the
    document stores and sorts by (CaseStudy.completeness): rewrite a published case's
    document. (A source is generic: only a case's count.)"""
    # The content types' cache answers this, without a query a source.
    if instance.content_type_id == ContentType.objects.get_for_model(CaseStudy).pk:
        record(
            _published(using)
            .filter(pk=instance.object_id)
            .values_list("pk", flat=True),
            using,
        )


def connect() -> None:
    """Connect the handlers; called from InnovationCasesConfig.ready()."""
    pre_save.connect(case_saving, sender=CaseStudy, dispatch_uid="journal_case_saving")
    post_save.connect(case_saved, sender=CaseStudy, dispatch_uid="journal_case_saved")
    post_delete.connect(
        case_deleted, sender=CaseStudy, dispatch_uid="journal_case_deleted"
    )
    for name in DOCUMENT_RELATIONS:
        m2m_changed.connect(
            case_relations_changed,
            sender=getattr(CaseStudy, name).through,
            dispatch_uid=f"journal_case_{name}",
        )
    source = apps.get_model("core", "Source")
    post_save.connect(
        source_changed, sender=source, dispatch_uid="journal_source_saved"
    )
    post_delete.connect(
        source_changed, sender=source, dispatch_uid="journal_source_deleted"
    )
    for label in INDEXED_FIELDS:
        model = apps.get_model(label)
        pre_save.connect(record_saving, sender=model, dispatch_uid=f"journal_{label}")
        post_save.connect(record_saved, sender=model, dispatch_uid=f"journal_{label}")
        pre_delete.connect(
            record_deleting, sender=model, dispatch_uid=f"journal_{label}"
        )

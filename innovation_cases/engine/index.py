"""The index on disk: where it lives, how it is rebuilt, read and changed.

Layout of `settings.SEARCH_INDEX_DIR`::

    CURRENT                 the name of the live generation (one line)
    gen-<time>-<pid>-<rand>/  a complete tantivy index, and its `atlas-index.json`
    build.lock              held (flock) by the one process rebuilding

A rebuild writes a whole new generation, commits it, writes `atlas-index.json` last
(the schema version and the document count), then replaces `CURRENT` with
`os.replace`, which is atomic: a reader opens either the old generation or the new one,
never a half-built index. Old generations are then removed; a process still reading
one keeps its open files (POSIX) until its next `reload()`, which follows `CURRENT`.

An index is **unusable**, and rebuilt by `ensure()` rather than served, when `CURRENT`
or its generation is missing, when `atlas-index.json` is missing, unreadable or of
another `SCHEMA_VERSION`, or when tantivy cannot open and read it (a corrupt file).

Writers: tantivy allows one `IndexWriter` per index directory (a lock file; a second
one fails at once with "LockBusy"). The writes of one case (`update_case`,
`delete_case`, for the journal of issue 15) wait for it up to `WRITER_WAIT` seconds,
then raise `IndexBusy`. Rebuilds are serialised by `build.lock`: a second rebuild
waits for the first, then finds a valid index and (with `if_needed=True`) does nothing.

The process-wide reader (`reader()`) opens the live generation once; `reload()` makes
the next searcher see the latest commit, or the new generation after a rebuild.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings

from . import journal
from .documents import published_documents
from .schema import SCHEMA, SCHEMA_VERSION, register_analyzers

CURRENT = "CURRENT"
INFO_FILE = "atlas-index.json"
BUILD_LOCK = "build.lock"
SYNC_LOCK = "sync.lock"
GENERATION_PREFIX = "gen-"

# Memory for the writer: a rebuild's 2 threads share the first; one case's write needs
# little, but tantivy refuses less than 15 MB per thread.
BUILD_HEAP = 200_000_000
UPDATE_HEAP = 20_000_000
# How long the write of one case waits for another process's writer.
WRITER_WAIT = 10.0


class IndexUnavailable(Exception):
    """The index cannot be served as it is (missing, old or corrupt); rebuild it."""


class IndexBusy(Exception):
    """Another writer held the index for longer than we could wait."""


@dataclass(frozen=True)
class IndexInfo:
    """What `atlas-index.json` records, written after the build's last commit."""

    schema_version: int
    documents: int
    built_at: float


@dataclass(frozen=True)
class IndexStatus:
    """What `manage.py search_index check` reports."""

    path: Path
    generation: str | None
    info: IndexInfo | None
    documents: int | None  # as the index counts them now (after later writes)
    problem: str | None  # why it is unusable, or None


def index_dir() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def is_panic(error: BaseException) -> bool:
    # A Rust panic inside tantivy reaches Python as pyo3's PanicException, which
    # derives from BaseException: a corrupt file can cause one.
    return type(error).__name__ == "PanicException"


# --- Opening -----------------------------------------------------------------------------


def _current_generation(root: Path) -> Path:
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexUnavailable(f"There is no search index in {root}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise IndexUnavailable(f"{root / CURRENT} is unreadable: {error}") from None
    if not name.startswith(GENERATION_PREFIX) or "/" in name or "\x00" in name:
        raise IndexUnavailable(f"{root / CURRENT} does not name an index.")
    return root / name


def _read_info(path: Path) -> IndexInfo:
    try:
        data = json.loads((path / INFO_FILE).read_text(encoding="utf-8"))
        info = IndexInfo(
            schema_version=int(data["schema_version"]),
            documents=int(data["documents"]),
            built_at=float(data["built_at"]),
        )
    except FileNotFoundError:
        raise IndexUnavailable(f"{path} is not a complete index.") from None
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise IndexUnavailable(f"{path / INFO_FILE} is unreadable: {error}") from None
    if info.schema_version != SCHEMA_VERSION:
        raise IndexUnavailable(
            f"The index in {path} has schema version {info.schema_version}; "
            f"this code needs version {SCHEMA_VERSION}."
        )
    return info


def _open(path: Path) -> tantivy.Index:
    """Open an index and check that it can be read through: a corrupt file fails here
    (with an exception, or a Rust panic), not in a visitor's search."""
    try:
        index = tantivy.Index.open(str(path))
        register_analyzers(index)
        searcher = index.searcher()
        hits = searcher.search(tantivy.Query.all_query(), 1).hits
        for _score, address in hits:
            searcher.doc(address)
        searcher.aggregate(
            tantivy.Query.all_query(), {"n": {"terms": {"field": "city", "size": 1}}}
        )
    except BaseException as error:
        if not isinstance(error, Exception) and not is_panic(error):
            raise
        raise IndexUnavailable(f"The index in {path} is corrupt: {error}") from None
    return index


def current_generation_path() -> Path:
    """The live generation's directory (IndexUnavailable if there is none)."""
    return _current_generation(index_dir())


def open_generation(path: Path) -> tantivy.Index:
    """A generation's index, checked as `open_current` checks the live one."""
    _read_info(path)
    return _open(path)


def open_current() -> tuple[tantivy.Index, Path]:
    """The live index and its generation's directory; IndexUnavailable if it must be
    rebuilt first."""
    path = _current_generation(index_dir())
    _read_info(path)
    return _open(path), path


def status() -> IndexStatus:
    root = index_dir()
    generation: str | None = None
    info: IndexInfo | None = None
    try:
        path = _current_generation(root)
        generation = path.name
        info = _read_info(path)
        index = _open(path)
    except IndexUnavailable as error:
        return IndexStatus(root, generation, info, None, str(error))
    return IndexStatus(root, generation, info, index.searcher().num_docs, None)


# --- Rebuilding --------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    path: Path
    documents: int
    seconds: float
    built: bool  # False: the index was valid, and `if_needed` left it alone


_held = threading.local()


@contextlib.contextmanager
def _file_lock(root: Path, name: str) -> Iterator[None]:
    """An exclusive lock of the machine (flock on `root/name`), re-entrant within a
    thread: a sync that finds it must rebuild takes the sync lock twice."""
    held: dict[str, int] = _held.__dict__.setdefault("locks", {})
    key = str(root / name)
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    root.mkdir(parents=True, exist_ok=True)
    with open(root / name, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        held[key] = 1
        try:
            yield
        finally:
            held[key] = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_lock(root: Path) -> contextlib.AbstractContextManager[None]:
    """One rebuild at a time on this machine (a second one waits for the first)."""
    return _file_lock(root, BUILD_LOCK)


def sync_lock() -> contextlib.AbstractContextManager[None]:
    """Held while a generation is written to (journal.sync) or swapped out (a
    rebuild): one process of the machine at a time."""
    return _file_lock(index_dir(), SYNC_LOCK)


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def rebuild(
    *,
    if_needed: bool = False,
    progress: Callable[[int], object] | None = None,
) -> BuildResult:
    """Build a fresh index of every published case and make it the live one.

    With `if_needed`, do nothing if the live index is usable (checked again once the
    build lock is held, so processes that all found it broken rebuild it once).
    `progress(n)` is called after each n documents added.
    """
    root = index_dir()
    started = time.monotonic()
    with _build_lock(root):
        if if_needed:
            with contextlib.suppress(IndexUnavailable):
                index, path = open_current()
                return BuildResult(
                    path, index.searcher().num_docs, time.monotonic() - started, False
                )
        name = (
            f"{GENERATION_PREFIX}{time.time_ns()}-{os.getpid()}-{secrets.token_hex(4)}"
        )
        path = root / name
        path.mkdir()
        try:
            # Read before the cases: the journal's entries from then on are replayed
            # on the new generation (journal.starting_state).
            state = journal.starting_state()
            documents = _fill(path, progress)
            info = {
                "schema_version": SCHEMA_VERSION,
                "documents": documents,
                "built_at": time.time(),
            }
            write_atomically(path / INFO_FILE, json.dumps(info))
            state.write(path)
            # Not while a sync writes to the old generation, which is removed below.
            with sync_lock():
                write_atomically(root / CURRENT, name + "\n")
                _remove_other_generations(root, keep=name)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
    reset_reader()
    return BuildResult(path, documents, time.monotonic() - started, True)


def _fill(path: Path, progress: Callable[[int], object] | None) -> int:
    index = tantivy.Index(SCHEMA, path=str(path), reuse=False)
    register_analyzers(index)
    writer = index.writer(BUILD_HEAP, 2)
    documents = 0
    batch = 0
    for document in published_documents():
        writer.add_document(document)
        documents += 1
        batch += 1
        if progress is not None and batch == 500:
            progress(batch)
            batch = 0
    writer.commit()
    writer.wait_merging_threads()  # also releases the writer's lock
    if progress is not None and batch:
        progress(batch)
    return documents


def _remove_other_generations(root: Path, *, keep: str) -> None:
    for child in root.iterdir():
        if child.is_dir() and child.name != keep:
            if child.name.startswith(GENERATION_PREFIX):
                shutil.rmtree(child, ignore_errors=True)


def ensure() -> tantivy.Index:
    """The live index, rebuilt first if it is missing, of an older version or corrupt."""
    try:
        return open_current()[0]
    except IndexUnavailable:
        rebuild(if_needed=True)
        return open_current()[0]


# --- The process-wide reader -------------------------------------------------------------


class Reader:
    """One open index for the whole process, and the generation it came from."""

    def __init__(self) -> None:
        # The journal's commit count this reader has seen (journal.fresh_searcher),
        # read before opening: at worst it lags, and costs one needless reload.
        try:
            before = _current_generation(index_dir())
            state = journal.State.read(before)
        except IndexUnavailable:
            before, state = None, None
        self.index = ensure()
        path = _current_generation(index_dir())
        self.generation = path.name
        self.seen_commit = state.commit if state and before == path else -1

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()


_reader: Reader | None = None
# Re-entrant: opening the reader may rebuild, and a rebuild resets the reader.
_reader_lock = threading.RLock()


def reader() -> Reader:
    """The process's reader, opened (or built) on first use."""
    global _reader
    with _reader_lock:
        if _reader is None:
            _reader = Reader()
        return _reader


def reload() -> None:
    """Make the next searcher see the latest commit, or the new generation."""
    global _reader
    with _reader_lock:
        if _reader is None:
            return
        try:
            live = _current_generation(index_dir()).name
        except IndexUnavailable:
            live = None
        if live == _reader.generation:
            _reader.index.reload()
        else:
            _reader = None  # the next reader() opens the new generation


def reset_reader() -> None:
    """Forget the process's reader (after a rebuild, and in tests)."""
    global _reader
    with _reader_lock:
        _reader = None


# --- Writing one case --------------------------------------------------------------------


@contextlib.contextmanager
def writer(index: tantivy.Index, wait: float | None = None) -> Iterator[Any]:
    wait = WRITER_WAIT if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        try:
            writer = index.writer(UPDATE_HEAP, 1)
            break
        except ValueError as error:
            if "LockBusy" not in str(error):
                raise
            if time.monotonic() > deadline:
                raise IndexBusy(
                    f"Another process has been writing the search index for more "
                    f"than {wait:.0f} s; try again."
                ) from None
            time.sleep(0.05)
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()  # releases the lock

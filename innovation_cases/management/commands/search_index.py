import shutil
import sys
from argparse import ArgumentParser
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from innovation_cases.engine import index as engine_index
from innovation_cases.engine import journal
from innovation_cases.engine.documents import published_count
from innovation_cases.engine.schema import SCHEMA_VERSION


class Command(BaseCommand):
    help = (
        "Build, bring up to date or check the search index of the published cases "
        "(SEARCH_INDEX_DIR). "
        "'rebuild' writes a complete new index from the database and swaps it in "
        "atomically: searches keep being answered by the old one until then. "
        "'sync' applies the journal's entries that this machine's index has not seen "
        "(every web process does so before it answers, so this is for a machine that "
        "is starting, or cron), prunes entries older than SEARCH_JOURNAL_DAYS, and "
        "rebuilds if the index is missing, corrupt, of another schema version, or "
        "then holds a different number of documents than there are published cases "
        "(a write that bypassed the journal). "
        "'check' reports the index's state and changes nothing; it exits with status "
        "1 if 'sync' would rebuild or apply anything."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["rebuild", "sync", "check"])
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what rebuild or sync would do, and do nothing.",
        )
        parser.add_argument(
            "--no-progress",
            action="store_false",
            dest="progress",
            help="No progress bar (there is none anyway when stderr is not a "
            "terminal).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action: str = options["action"]
        self.verbosity: int = options["verbosity"]
        self.show_bar = (
            options["progress"] and self.verbosity > 0 and self.stderr.isatty()
        )
        if action == "check":
            self._check()
            return
        problem = self._problem()
        if action == "sync" and problem is None:
            self._sync(dry_run=options["dry_run"])
            return
        # (sync comes here only with a problem: see above.)
        reason = cast(str, problem) if action == "sync" else "asked to rebuild"
        if options["dry_run"]:
            self._say(f"Would rebuild the search index ({reason}); dry run, no change.")
            return
        self._rebuild(reason)

    def _problem(self) -> str | None:
        """Why `sync` would rebuild before anything else, or None."""
        return engine_index.status().problem

    def _sync(self, *, dry_run: bool) -> None:
        pending = journal.status()["pending"] or 0
        if dry_run:
            mismatch = self._count_mismatch() if not pending else None
            what = (
                f"apply {pending:,} journal entries"
                if pending
                else f"rebuild the search index ({mismatch})"
                if mismatch
                else "do nothing: the search index is up to date"
            )
            self._say(f"Would {what}; dry run, no change.")
            return
        journal.sync()
        pruned = journal.prune()
        if pending or pruned:
            self._say(
                f"Applied {pending:,} journal entries; pruned {pruned:,} entries "
                f"older than {journal.keep_for().days} days."
            )
        mismatch = self._count_mismatch()
        if mismatch:
            self._rebuild(mismatch)
        elif not pending:
            self._say("The search index is up to date; nothing to do.")

    def _count_mismatch(self) -> str | None:
        """Why the index, up to the journal, still differs from the database (a write
        that bypassed the journal), or None."""
        documents, expected = engine_index.status().documents, published_count()
        if documents == expected:
            return None
        return f"it holds {documents:,} documents for {expected:,} published cases"

    def _check(self) -> None:
        state = engine_index.status()
        self._say(f"Index directory: {state.path}")
        self._say(f"Generation: {state.generation or 'none'}")
        version = state.info.schema_version if state.info else "unknown"
        self._say(f"Schema version: {version} (this code: {SCHEMA_VERSION})")
        documents = "unknown" if state.documents is None else f"{state.documents:,}"
        expected = published_count()
        self._say(f"Documents: {documents}; published cases: {expected:,}")
        if state.problem is not None:
            self._say(f"Needs a rebuild: {state.problem}.")
            raise CommandError("The search index is not up to date.", returncode=1)
        progress = journal.status()
        position = progress["state"].position if progress["state"] else "unknown"
        self._say(
            f"Journal: applied up to entry {position}; "
            f"{progress['pending'] or 0:,} entries pending."
        )
        if progress["pending"]:
            raise CommandError("The search index is behind the journal.", returncode=1)
        if mismatch := self._count_mismatch():
            self._say(f"Needs a rebuild: {mismatch}.")
            raise CommandError("The search index is not up to date.", returncode=1)
        self._say("The search index is up to date.")

    def _rebuild(self, reason: str) -> None:
        total = published_count()
        size = shutil.get_terminal_size()
        # The bar redraws one line with \r, so it gets the raw stream rather than
        # Django's wrapper, which would end every write with a newline.
        with tqdm(
            total=total,
            desc="Indexing cases",
            unit="case",
            file=sys.stderr if self.show_bar else None,
            disable=not self.show_bar,
            ncols=size.columns,
            nrows=size.lines,
            mininterval=0.5,
        ) as bar:
            try:
                result = engine_index.rebuild(progress=bar.update)
            except OSError as error:
                raise CommandError(
                    f"Could not write the search index: {error}"
                ) from error
        self._say(
            f"Rebuilt the search index ({reason}): {result.documents:,} published "
            f"cases in {result.seconds:.1f} s, in {result.path}."
        )

    def _say(self, message: str) -> None:
        if self.verbosity > 0:
            self.stdout.write(message)

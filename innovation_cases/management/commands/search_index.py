import shutil
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from innovation_cases.engine import index as engine_index
from innovation_cases.engine.documents import published_count
from innovation_cases.engine.schema import SCHEMA_VERSION


class Command(BaseCommand):
    help = (
        "Build, bring up to date or check the search index of the published cases "
        "(SEARCH_INDEX_DIR). "
        "'rebuild' writes a complete new index from the database and swaps it in "
        "atomically: searches keep being answered by the old one until then. "
        "'sync' rebuilds only if the index is missing, corrupt, of another schema "
        "version, or holds a different number of documents than there are published "
        "cases (until the change journal of issue 15 exists, it cannot see an edit "
        "that keeps the count). "
        "'check' reports the index's state and changes nothing; it exits with status "
        "1 if the index would be rebuilt by 'sync'."
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
        problem = self._problem()
        if action == "check":
            self._check(problem)
            return
        if action == "sync" and problem is None:
            self._say("The search index is up to date; nothing to do.")
            return
        reason = problem if action == "sync" else "asked to rebuild"
        if options["dry_run"]:
            self._say(f"Would rebuild the search index ({reason}); dry run, no change.")
            return
        self._rebuild(reason)

    def _problem(self) -> str | None:
        """Why `sync` would rebuild, or None."""
        state = engine_index.status()
        if state.problem is not None:
            return state.problem
        expected = published_count()
        if state.documents != expected:
            return (
                f"it holds {state.documents:,} documents for {expected:,} published "
                "cases"
            )
        return None

    def _check(self, problem: str | None) -> None:
        state = engine_index.status()
        self._say(f"Index directory: {state.path}")
        self._say(f"Generation: {state.generation or 'none'}")
        version = state.info.schema_version if state.info else "unknown"
        self._say(f"Schema version: {version} (this code: {SCHEMA_VERSION})")
        documents = "unknown" if state.documents is None else f"{state.documents:,}"
        self._say(f"Documents: {documents}; published cases: {published_count():,}")
        if problem is not None:
            self._say(f"Needs a rebuild: {problem}.")
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

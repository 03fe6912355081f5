from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from innovation_cases import dataset


class Command(BaseCommand):
    help = (
        "Restore a dataset written by export_dataset into an empty database, migrated "
        "by the release that wrote it. Checks the manifest's format version and every "
        "file's SHA-256 first, and refuses a database that holds any data; then "
        "inserts every row with its id, in one transaction (all or nothing), puts the "
        "images into the media storage, sets the database's sequences past the "
        "restored ids and rebuilds the search index. See docs/operations.md, Restore "
        "drill."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("directory", type=Path, help="The dataset's folder.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything and insert every row, then roll back: nothing is "
            "kept, no image is written and the search index is left alone.",
        )
        parser.add_argument(
            "--no-index",
            action="store_false",
            dest="index",
            help="Do not rebuild the search index afterwards (run `search_index "
            "rebuild` before the site serves).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        try:
            result = dataset.import_(
                options["directory"],
                dry_run=options["dry_run"],
                progress=self.stdout.write if verbosity > 1 else None,
            )
        except dataset.DatasetError as error:
            raise CommandError(str(error)) from error
        rows = sum(result.counts.values())
        if options["dry_run"]:
            if verbosity > 0:
                self.stdout.write(
                    f"Dry run: the dataset ({result.scope}) would restore {rows:,} rows "
                    f"of {len(result.counts)} models; nothing was kept."
                )
            return
        if verbosity > 0:
            self.stdout.write(
                f"Imported the dataset ({result.scope}): {rows:,} rows of "
                f"{len(result.counts)} models, {result.media:,} media files."
            )
        if options["index"]:
            call_command(
                "search_index",
                "rebuild",
                "--no-progress",
                verbosity=verbosity,
                stdout=self.stdout,
            )

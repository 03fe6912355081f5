from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from innovation_cases import dataset


class Command(BaseCommand):
    help = (
        "Write the dataset to a new folder DIR: every model's rows as JSON lines "
        "(what import_dataset restores) and CSV, the published cases as the site's "
        "own JSON and CSV exports, the images the rows refer to, and manifest.json "
        "with the row counts, the migrations and every file's SHA-256. Without --all, "
        "only what the public sees: published cases, cities and their records, the "
        "vocabularies, organisations, findings and their sources. With --all (for "
        "staff backups), everything: drafts, revisions, reviews, users with their "
        "password hashes, memberships, API token hashes and every history row. See "
        "docs/operations.md, Backups."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "directory",
            type=Path,
            help="A folder that does not exist yet, or is empty.",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Everything, unpublished records, accounts and history included "
            "(keep it as safe as the database).",
        )
        parser.add_argument(
            "--without-passwords",
            action="store_true",
            help="With --all: replace every password hash with an unusable one and "
            "leave out the second factors (a copy for a test site); the restored "
            "accounts then need a password reset, and reviewers a new authenticator.",
        )
        parser.add_argument(
            "--site-url",
            default="",
            help="The site's address, e.g. https://atlas.example.eu, for the case URLs "
            "of cases.json and cases.csv (default: paths such as /cases/<slug>/).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["without_passwords"] and not options["everything"]:
            raise CommandError(
                "--without-passwords goes with --all (only --all exports accounts)."
            )
        verbose = options["verbosity"] > 1
        try:
            result = dataset.export(
                options["directory"],
                everything=options["everything"],
                without_passwords=options["without_passwords"],
                site_url=options["site_url"],
                progress=self.stdout.write if verbose else None,
            )
        except dataset.DatasetError as error:
            raise CommandError(str(error)) from error
        for name in result.missing_media:
            self.stderr.write(
                f"Warning: {name} is referred to but missing from the media storage; "
                "it is listed under missing_media in the manifest."
            )
        if options["verbosity"] > 0:
            scope = "everything" if options["everything"] else "the published dataset"
            self.stdout.write(
                f"Exported {scope} to {result.path}: {sum(result.counts.values()):,} rows "
                f"of {len(result.counts)} models, {result.media:,} media files."
            )

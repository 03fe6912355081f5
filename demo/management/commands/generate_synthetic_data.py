import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import synthetic
from innovation_cases.engine import journal


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ArgumentTypeError("must be 0 or more")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError("must be 1 or more")
    return number


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic cities and case studies for load tests, or "
        "remove them. Every record made is marked is_synthetic and shown with a "
        "'Synthetic' badge; city names are invented. "
        "Generating (--cases N, optionally --cities N; default one city per 50 cases) "
        "refuses while synthetic data exists, unless --delete is also given, which "
        "then replaces it in the same transaction. --delete alone removes exactly the "
        "synthetic records (with their taxonomy links and any history rows) and "
        "refuses, changing nothing, if a real record points at one of them (say a "
        "real case or team in a synthetic city). Records are bulk-inserted (COPY "
        "on PostgreSQL, each case with its search vector): no history rows are "
        "written for them. The same --seed gives the same records, whatever "
        "--batch-size."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--cases", type=_count, help="How many cases to generate, e.g. 100000."
        )
        parser.add_argument(
            "--cities",
            type=_positive,
            help="How many cities to spread them over (default: cases / 50).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Seed of the generator (default 1)."
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Remove the existing synthetic data first (alone: only remove it).",
        )
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=synthetic.DEFAULT_BATCH_SIZE,
            help=f"Cases per statement (default {synthetic.DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be deleted and generated, and change nothing.",
        )
        parser.add_argument(
            "--no-progress",
            action="store_false",
            dest="progress",
            help="No progress bar (there is none anyway when stderr is not a "
            "terminal, or at verbosity 0).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cases: int | None = options["cases"]
        cities: int | None = options["cities"]
        delete: bool = options["delete"]
        self.verbosity: int = options["verbosity"]
        if cases is None and cities is not None:
            raise CommandError("Say how many cases to generate with --cases.")
        if cases is None and not delete:
            raise CommandError(
                "Nothing to do: give --cases N to generate, or --delete."
            )
        if cases is not None and cities is None:
            cities = max(1, cases // 50)
        show_bar = (
            options["progress"] and options["verbosity"] > 0 and self.stderr.isatty()
        )
        # The bar redraws one line with \r, so it gets the raw stream rather than
        # Django's wrapper, which would end every write with a newline.
        stream = sys.stderr if show_bar else None

        started = time.monotonic()
        with transaction.atomic():
            present = synthetic.existing()
            if present and cases is not None and not delete:
                raise CommandError(
                    f"There is synthetic data already ({present.cities} cities, "
                    f"{present.cases} cases). Add --delete to replace it."
                )
            if options["dry_run"]:
                self._dry_run(present, delete, cities, cases)
                return
            try:
                if delete:
                    gone = synthetic.delete()
                    self._say(
                        f"Deleted {gone.cities:,} synthetic cities and "
                        f"{gone.cases:,} cases."
                    )
                if cases is not None and cities is not None:
                    made = synthetic.generate(
                        cities=cities,
                        cases=cases,
                        seed=options["seed"],
                        batch_size=options["batch_size"],
                        progress=stream,
                    )
                    self._say(
                        f"Generated {made.cities:,} synthetic cities and "
                        f"{made.cases:,} cases (seed {options['seed']}) in "
                        f"{time.monotonic() - started:.1f} s."
                    )
            except synthetic.SyntheticDataError as error:
                raise CommandError(str(error)) from error
        # The journal asks for a rebuild: do it now rather than in the next search.
        started = time.monotonic()
        journal.sync()
        self._say(f"Rebuilt the search index in {time.monotonic() - started:.1f} s.")

    def _dry_run(
        self,
        present: synthetic.Counts,
        delete: bool,
        cities: int | None,
        cases: int | None,
    ) -> None:
        if delete:
            if found := synthetic.blockers():
                raise CommandError(
                    "Would refuse to delete: real records point at synthetic ones: "
                    + "; ".join(found)
                    + "."
                )
            self._say(
                f"Would delete {present.cities:,} synthetic cities and "
                f"{present.cases:,} cases."
            )
        if cases is not None:
            self._say(
                f"Would generate {cities:,} synthetic cities and {cases:,} cases."
            )

    def _say(self, message: str) -> None:
        if self.verbosity > 0:
            self.stdout.write(self.style.SUCCESS(message))

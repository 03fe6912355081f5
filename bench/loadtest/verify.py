"""After the load: every write the clients made, checked against the database, not
against what the clients believe (run by bench/loadtest/run.py, on the run's database
once gunicorn has stopped). The rules are ledger.py's; this reads the history
(django-simple-history's versions of each case), the reviews and the cases.

    python -m bench.loadtest.verify --plan plan.json --records records.json --out out.json
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.loadtest.ledger import Findings, check_case, check_create


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--records", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.loadtest.settings")
    import django

    django.setup()
    plan = json.loads(args.plan.read_text())
    writes = json.loads(args.records.read_text())["writes"]
    found = verify(plan, writes)
    args.out.write_text(
        json.dumps({"problems": found.problems, "counts": dict(found.counts)}) + "\n"
    )
    return 0


def verify(plan: dict[str, Any], writes: list[dict[str, Any]]) -> Findings:
    from innovation_cases.models import CaseStudy, Review

    found = Findings()
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for write in writes:
        if write["kind"] != "create":
            by_case[write["case"]].append(write)
    for start in plan["shared"]:
        case = CaseStudy.objects.get(slug=start["slug"])
        history = list(
            case.history.order_by("history_id").values_list("summary", "status")
        )
        reviews = Review.objects.filter(
            case=case, decision=Review.Decision.SUBMITTED
        ).count()
        found.merge(
            check_case(
                case.slug,
                start,
                history,
                (case.summary, case.status),
                reviews,
                by_case.pop(case.slug, []),
            )
        )
    for slug in by_case:
        found.problems.append(f"writes were sent to {slug}, which is not shared")
    for write in writes:
        if write["kind"] != "create":
            continue
        stored = [
            {
                "slug": case.slug,
                "status": case.status,
                "created_versions": case.history.filter(history_type="+").count(),
                "submitted_reviews": Review.objects.filter(
                    case=case, decision=Review.Decision.SUBMITTED
                ).count(),
            }
            for case in CaseStudy.objects.filter(title__contains=write["token"])
        ]
        found.merge(check_create(write, stored))
    return found


if __name__ == "__main__":
    raise SystemExit(main())

"""In-process probe of the database being measured (run by bench/run.py, before gunicorn).

For each endpoint, through Django's test client against the same database and
settings as the server: the status (it must be 200), the queries one request makes
(django.test.utils.CaptureQueriesContext, counted on a second request, so that
one-time work such as loading the vocabularies does not count), and the response body,
which is written to the ceiling directory as the static file of the same size. Then
the cold questions (bench/questions.py): each asked once, timed, after a warm-up of the
process's one-off work.

    python -m bench.probe --word W --theme T --itype I --static-dir DIR --out probe.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--word", required=True)
    parser.add_argument("--theme", required=True)
    parser.add_argument("--itype", required=True)
    parser.add_argument("--static-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", default="", help="comma-separated endpoint keys")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from bench.endpoints import ENDPOINTS
    from bench.questions import WARM_UP, questions
    from cities.models import City
    from innovation_cases.engine.search import search
    from innovation_cases.models import CaseStudy

    setup_test_environment()  # lets the test client's host in
    published = CaseStudy.objects.published()
    case = published.order_by("pk").first()
    by_cases = City.objects.annotate(
        n=Count("cases", filter=Q(cases__status="published"))
    ).order_by("-n", "pk")
    # The city with the most published cases, and (for the comparison of cities)
    # the one with the fewest.
    city, rival = by_cases.first(), by_cases.last()
    if case is None or city is None or rival is None:
        print("probe: the database holds no published case", file=sys.stderr)
        return 1
    values = {
        "word": args.word,
        "theme": args.theme,
        "itype": args.itype,
        "case": case.slug,
        "city": city.slug,
        "rival": rival.slug,
    }
    dataset: dict[str, Any] = {
        "published": published.count(),
        "cities": City.objects.count(),
        "word_matches": search(args.word, limit=0, with_facets=False).total,
        "city_cases": city.n,
        "case": case.slug,
        "city": city.slug,
    }
    only = {key for key in args.only.split(",") if key}
    client = Client()
    endpoints: dict[str, Any] = {}
    failures = []
    args.static_dir.mkdir(parents=True, exist_ok=True)
    for endpoint in ENDPOINTS:
        if only and endpoint.key not in only:
            continue
        path = endpoint.url(values)
        separator = "&" if "?" in path else "?"
        client.get(f"{path}{separator}_nocache=probe-1")
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{path}{separator}_nocache=probe-2")
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            failures.append(f"{path}: status {response.status_code}")
            continue
        body = response.content
        suffix = (
            "json"
            if response["Content-Type"].startswith("application/json")
            else "html"
        )
        ceiling = f"bench-ceiling-{endpoint.key}.{suffix}"
        (args.static_dir / ceiling).write_bytes(body)
        endpoints[endpoint.key] = {
            "path": path,
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "bytes": len(body),
            "seconds": round(seconds, 4),
            "ceiling_path": f"/{ceiling}",
        }
    for path in WARM_UP:
        client.get(path)
    cold: dict[str, float] = {}
    for path in questions(values, dataset["published"]):
        started = time.perf_counter()
        response = client.get(path)
        cold[path] = round((time.perf_counter() - started) * 1000, 1)
        if response.status_code != 200:
            failures.append(f"{path}: status {response.status_code}")
    args.out.write_text(
        json.dumps(
            {
                "values": values,
                "dataset": dataset,
                "endpoints": endpoints,
                "cold_ms": cold,
                "failures": failures,
            },
            indent=2,
        )
    )
    for failure in failures:
        print(f"probe: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""The load test's own records, made in its scratch database before gunicorn starts (run
by bench/loadtest/run.py, after the demo content and the synthetic cases): officers
with API tokens, the drafts they all edit at once, and what the anonymous clients ask
for, read from the data (slugs, facet values, words to search for). Writes the plan
that the clients (bench/loadtest/locustfile.py) and the check (verify.py) read.

    python -m bench.loadtest.setup --officers 5 --shared-cases 6 --out plan.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
from pathlib import Path
from typing import Any

# The cities whose officers write: the demo's real cities, the first few by slug.
WRITE_CITIES = 2
# How many of each kind of slug the anonymous clients pick from: enough that most of
# their pages are not in the page cache yet, few enough to keep the plan small.
SAMPLE = 400
WORD = re.compile(r"[a-z]{5,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, required=True)
    parser.add_argument("--shared-cases", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.loadtest.settings")
    import django

    django.setup()
    plan = make_plan(args.officers, args.shared_cases)
    args.out.write_text(json.dumps(plan, indent=1) + "\n")
    return 0


def make_plan(officers: int, shared_cases: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Count, Q

    from accounts.models import ApiToken
    from cities.models import City, Membership
    from core.vocabularies import VOCABULARIES
    from innovation_cases.models import CaseStudy

    rng = random.Random(1)  # noqa: S311 -- a sample of slugs, not a secret  # nosec B311
    cities = list(City.objects.filter(is_synthetic=False).order_by("slug"))
    write_cities = cities[:WRITE_CITIES]
    if len(write_cities) < WRITE_CITIES:
        raise SystemExit("setup: load the demo content first (load_demo_content)")
    user_model = get_user_model()
    plan: dict[str, Any] = {"officers": [], "shared": []}
    with transaction.atomic():
        # Every officer is a member of every writing city: they all edit the same
        # drafts, which is where a lost update would hide.
        for n in range(officers):
            user = user_model.objects.create_user(
                username=f"loadtest-officer-{n + 1}",
                email=f"loadtest-officer-{n + 1}@example.org",
                password=None,
            )
            for city in write_cities:
                Membership.objects.create(
                    user=user, city=city, role=Membership.Role.OFFICER
                )
            _, token = ApiToken.issue(user=user, name="Load test")
            plan["officers"].append({"username": user.get_username(), "token": token})
        first = user_model.objects.get(username="loadtest-officer-1")
        for n in range(shared_cases):
            case = CaseStudy.objects.create(
                title=f"Load test shared draft {n + 1}",
                slug=f"load-test-shared-draft-{n + 1}",
                city=write_cities[n % len(write_cities)],
                summary=f"Load test shared draft {n + 1}, as set up.",
                status=CaseStudy.Status.DRAFT,
                created_by=first,
                updated_by=first,
            )
            plan["shared"].append(
                {"slug": case.slug, "summary": case.summary, "status": case.status}
            )
    plan["write_cities"] = [city.slug for city in write_cities]

    published = CaseStudy.objects.published()
    slugs = list(published.values_list("slug", flat=True))
    plan["cases"] = rng.sample(slugs, min(SAMPLE, len(slugs)))
    city_slugs = list(
        City.objects.annotate(
            n=Count("cases", filter=Q(cases__status=CaseStudy.Status.PUBLISHED))
        )
        .filter(n__gt=0)
        .values_list("slug", flat=True)
    )
    plan["cities"] = rng.sample(city_slugs, min(SAMPLE, len(city_slugs)))
    facets: dict[str, list[str]] = {
        vocabulary.name: list(
            vocabulary.model._default_manager.values_list("slug", flat=True)
        )
        for vocabulary in VOCABULARIES
    }
    facets["country"] = sorted(
        {str(code) for code in published.values_list("city__country", flat=True)}
    )
    plan["facets"] = {name: values for name, values in facets.items() if values}
    # Words of the published titles and summaries: searches that find something, and
    # enough of them (alone, in pairs, with facets) that most are not cached yet.
    words: set[str] = set()
    for title, summary in published.values_list("title", "summary")[:2000]:
        words.update(WORD.findall(f"{title} {summary}".lower()))
    plan["words"] = rng.sample(sorted(words), min(SAMPLE, len(words)))
    if not plan["cases"] or not plan["words"]:
        raise SystemExit("setup: the database holds no published case")
    return plan


if __name__ == "__main__":
    raise SystemExit(main())

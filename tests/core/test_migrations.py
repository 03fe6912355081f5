"""The migrations move a populated database forward.

innovation_cases 0014 moves the vocabularies and the sources to core: a database with
cases, links, sources, their history and permissions, migrated to it, keeps every row
under its id, every link, and the content types (so the permissions).
"""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cities.models import Strategy
from core.models import InnovationType, LifecycleStage, Source, Theme
from innovation_cases.models import CaseStudy

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations before the move.
BEFORE = [
    ("innovation_cases", "0013_drop_search_vector"),
    ("cities", "0006_web_url_validation"),
]


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    """Move the database to `targets` and return the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _populate(old: Any) -> dict[str, int]:
    """A case with links, a source and its history, and a strategy, made with the
    models as they were before the move."""
    City = old.get_model("cities", "City")
    OldStrategy = old.get_model("cities", "Strategy")
    OldCase = old.get_model("innovation_cases", "CaseStudy")
    OldType = old.get_model("innovation_cases", "InnovationType")
    OldStage = old.get_model("innovation_cases", "LifecycleStage")
    OldSource = old.get_model("innovation_cases", "Source")
    OldHistoricalSource = old.get_model("innovation_cases", "HistoricalSource")
    OldContentType = old.get_model("contenttypes", "ContentType")

    city = City.objects.create(name="Oldtown", slug="oldtown", country="AT")
    adaptive = OldType.objects.get(slug="adaptive")
    stage = OldStage.objects.get(slug="implementing")
    case = OldCase.objects.create(
        title="Moved case",
        slug="moved-case",
        city=city,
        summary="Made before the move.",
        lifecycle_stage=stage,
    )
    case.innovation_types.add(adaptive)
    strategy = OldStrategy.objects.create(
        city=city, title="Oldtown strategy", slug="oldtown-strategy", status="adopted"
    )
    strategy.innovation_types.add(adaptive)
    case_type = OldContentType.objects.get_for_model(OldCase)
    source = OldSource.objects.create(
        content_type=case_type, object_id=case.pk, title="The city's report"
    )
    OldHistoricalSource.objects.create(
        id=source.pk,
        content_type=case_type,
        object_id=case.pk,
        title=source.title,
        history_date=timezone.now(),
        history_type="+",
    )
    source_type = OldContentType.objects.get(
        app_label="innovation_cases", model="source"
    )
    return {
        "case": case.pk,
        "strategy": strategy.pk,
        "adaptive": adaptive.pk,
        "stage": stage.pk,
        "source": source.pk,
        "source_type": source_type.pk,
        "change_source": Permission.objects.get(
            content_type_id=source_type.pk, codename="change_source"
        ).pk,
    }


def test_moving_the_vocabularies_and_sources_to_core_keeps_rows_ids_and_links():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    ids = _populate(_migrate(BEFORE))

    _migrate(latest)

    ContentType.objects.clear_cache()
    case = CaseStudy.objects.get(pk=ids["case"])
    assert case.lifecycle_stage == LifecycleStage.objects.get(pk=ids["stage"])
    assert list(case.innovation_types.values_list("pk", "slug")) == [
        (ids["adaptive"], "adaptive")
    ]
    strategy = Strategy.objects.get(pk=ids["strategy"])
    assert list(strategy.innovation_types.values_list("pk", flat=True)) == [
        ids["adaptive"]
    ]
    source = Source.objects.get(pk=ids["source"])
    assert source.content_object == case
    assert [h.history_type for h in source.history.all()] == ["+"]
    assert list(case.sources.values_list("pk", flat=True)) == [ids["source"]]

    # The content type moved with its permissions, under the same ids.
    source_type = ContentType.objects.get_for_model(Source)
    assert source_type.pk == ids["source_type"]
    assert Permission.objects.get(codename="change_source").pk == ids["change_source"]
    assert not ContentType.objects.filter(app_label="innovation_cases", model="source")

    # The links still point at the renamed tables: a good one is written, one to a
    # term that does not exist is refused by the foreign key.
    case.themes.add(Theme.objects.get(slug="mobility"))
    assert list(case.themes.values_list("slug", flat=True)) == ["mobility"]
    Link = CaseStudy.innovation_types.through
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.create(casestudy_id=case.pk, innovationtype_id=10**9)
    assert InnovationType.objects.get(pk=ids["adaptive"]).cases.get() == case

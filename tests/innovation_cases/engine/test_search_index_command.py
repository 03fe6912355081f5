"""manage.py search_index rebuild | sync | check."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from innovation_cases.engine import index as engine_index
from innovation_cases.engine.schema import SCHEMA_VERSION
from innovation_cases.models import CaseStudy

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("search_index", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def live(index_dir: Path) -> str:
    return (index_dir / "CURRENT").read_text().strip()


def test_check_reports_a_missing_index_and_fails(corpus, index_dir):
    with pytest.raises(CommandError, match="not up to date") as error:
        run("check")
    assert error.value.returncode == 1
    assert not (index_dir / "CURRENT").exists()


def test_rebuild_then_check(corpus, index_dir):
    output = run("rebuild")
    assert "Rebuilt the search index (asked to rebuild): 5 published cases" in output
    output = run("check")
    version = SCHEMA_VERSION
    assert f"Schema version: {version} (this code: {version})" in output
    assert "Documents: 5; published cases: 5" in output
    assert "The search index is up to date." in output


def test_rebuild_dry_run_changes_nothing(corpus, index_dir):
    assert "dry run, no change" in run("rebuild", "--dry-run")
    assert not (index_dir / "CURRENT").exists()


def test_sync_does_nothing_when_up_to_date(built, index_dir):
    generation = live(index_dir)
    assert "nothing to do" in run("sync")
    assert live(index_dir) == generation


def test_sync_rebuilds_when_the_count_differs(built, index_dir):
    CaseStudy.objects.filter(pk=built["draft"].pk).update(
        status=CaseStudy.Status.PUBLISHED, published_at=built["fund"].published_at
    )
    with pytest.raises(CommandError):
        run("check")
    assert "would rebuild" in run("sync", "--dry-run").lower()
    output = run("sync")
    assert "holds 5 documents for 6 published cases" in output
    assert engine_index.status().documents == 6


def test_sync_rebuilds_an_index_of_another_version(built, index_dir):
    info_file = index_dir / live(index_dir) / "atlas-index.json"
    info = json.loads(info_file.read_text())
    info_file.write_text(json.dumps({**info, "schema_version": 0}))
    assert "schema version 0" in run("sync")
    assert "up to date" in run("check")

"""`make demo`: the commands of `make run`, plus synthetic cities and cases, run again
and again. The test runs the management commands of the Makefile's `demo` recipe, read
from the Makefile so that the two cannot drift apart, with small counts; it does not
run make (which would install, and then serve)."""

import re
import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains

from cities.models import City
from innovation_cases.models import CaseStudy

pytestmark = pytest.mark.django_db

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"
SMALL = {"$(DEMO_CASES)": "40", "$(DEMO_CITIES)": "8"}
# What the recipe does besides preparing the data: the test database is migrated
# already, and the test serves nothing.
NOT_HERE = {"migrate", "runserver"}


def demo_commands() -> list[list[str]]:
    """The `manage.py` commands of the `demo` recipe, with small counts."""
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", MAKEFILE.read_text(), re.M)
    assert recipe is not None, "the Makefile has a demo target"
    commands = []
    for line in recipe.group(1).splitlines():
        words = shlex.split(line)
        if "manage.py" not in words:
            continue
        arguments = [
            SMALL.get(word, word) for word in words[words.index("manage.py") + 1 :]
        ]
        commands.append(arguments)
    return commands


def run_make_demo() -> None:
    for name, *arguments in demo_commands():
        if name not in NOT_HERE:
            assert not any("$(" in word for word in arguments), arguments
            call_command(name, *arguments, stdout=StringIO(), stderr=StringIO())


def test_make_demo_runs_make_runs_commands_then_adds_synthetic_data() -> None:
    names = [command[0] for command in demo_commands()]
    assert names == [
        "migrate",
        "load_demo_content",
        "generate_synthetic_data",
        "search_index",
        "runserver",
    ]
    generate = demo_commands()[2]
    # Replacing what a previous run made, never adding to it.
    assert "--delete" in generate


def test_make_demo_fills_the_map_and_running_it_again_changes_nothing(client) -> None:
    run_make_demo()
    first = sorted(City.objects.values_list("slug", "latitude", "longitude"))
    cases = sorted(CaseStudy.objects.values_list("slug", flat=True))
    # The demo's three real cities, without coordinates, and 8 synthetic ones with.
    assert len(first) == 11
    assert City.objects.filter(is_synthetic=True).count() == 8
    assert City.objects.located().count() == 8
    assert CaseStudy.objects.filter(is_synthetic=True).count() == 40

    run_make_demo()
    assert sorted(City.objects.values_list("slug", "latitude", "longitude")) == first
    assert sorted(CaseStudy.objects.values_list("slug", flat=True)) == cases

    # The map has its markers, and the table marks the synthetic cities.
    data = client.get(reverse("cities:city_map_data")).json()
    assert len(data["features"]) == 8
    page = client.get(reverse("cities:city_list"))
    assertContains(page, "numbered circles group nearby cities")
    assertContains(page, 'class="chip chip-synthetic"', count=8)

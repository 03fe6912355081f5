"""`manage.py generate_synthetic_data`: plausible records for load tests, marked and
removable exactly. Small numbers here; the 100,000-case timing is in the report of
issue 6."""

import statistics
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count

from cities.models import City
from core.models import InnovationType, Theme
from demo import synthetic
from innovation_cases.engine.search import search
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    InnovationTeamFactory,
    MembershipFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


def generate(*args: str) -> str:
    out = StringIO()
    call_command(
        "generate_synthetic_data",
        "--cities=5",
        "--cases=60",
        *args,
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def delete(*args: str) -> str:
    out = StringIO()
    call_command(
        "generate_synthetic_data", "--delete", *args, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def synthetic_cases():
    return CaseStudy.objects.filter(is_synthetic=True)


def titles_and_slugs() -> list[tuple[str, str]]:
    return list(synthetic_cases().order_by("pk").values_list("title", "slug"))


def links() -> list[tuple[str, str, int]]:
    """Each synthetic case's terms, by slug, in the order they were written."""
    rows = []
    for name in ("innovation_types", "drivers", "approaches", "themes"):
        through = getattr(CaseStudy, name).through
        term = CaseStudy._meta.get_field(name).m2m_reverse_field_name()
        rows += [
            (name, slug, term_id)
            for slug, term_id in through.objects.filter(casestudy__is_synthetic=True)
            .order_by("pk")
            .values_list("casestudy__slug", f"{term}_id")
        ]
    return rows


# --- what it makes -------------------------------------------------------------------


def test_it_makes_the_cities_and_cases_asked_for_every_one_marked_synthetic():
    real = CityFactory()

    output = generate()

    assert "Generated 5 synthetic cities and 60 cases" in output
    assert City.objects.filter(is_synthetic=True).count() == 5
    assert synthetic_cases().count() == 60
    assert not CaseStudy.objects.filter(is_synthetic=False).exists()
    assert set(City.objects.filter(is_synthetic=False)) == {real}
    assert not synthetic_cases().exclude(city__is_synthetic=True).exists()


def test_the_same_seed_gives_the_same_titles_and_slugs_and_another_seed_does_not():
    generate("--seed=7")
    first = titles_and_slugs()
    cities = list(City.objects.filter(is_synthetic=True).values_list("slug", flat=True))

    generate("--seed=7", "--delete")

    assert titles_and_slugs() == first
    assert (
        list(City.objects.filter(is_synthetic=True).values_list("slug", flat=True))
        == cities
    )
    generate("--seed=8", "--delete")
    assert titles_and_slugs() != first


def test_cities_are_invented_places_in_europe_with_a_population():
    generate()

    for city in City.objects.filter(is_synthetic=True):
        assert city.name and city.slug and city.country.code
        assert 35 <= city.latitude <= 71 and -10 <= city.longitude <= 32
        assert 5_000 <= city.population <= 3_500_000
        assert "invented" in city.summary


def test_each_case_has_a_plausible_mix_of_terms_years_and_text():
    generate()

    cases = synthetic_cases().annotate(
        types=Count("innovation_types", distinct=True),
        n_drivers=Count("drivers", distinct=True),
        n_approaches=Count("approaches", distinct=True),
        n_themes=Count("themes", distinct=True),
    )
    for case in cases:
        assert 1 <= case.types <= 2
        assert 1 <= case.n_drivers <= 3
        assert 1 <= case.n_approaches <= 3
        assert 1 <= case.n_themes <= 3
        assert case.lifecycle_stage_id is not None
        assert 2005 <= case.year_started <= 2025
        assert case.year_ended is None or case.year_ended >= case.year_started
        assert 20 <= len(case.title) <= 120
        assert 2 <= case.summary.count(". ") + 1 <= 3
        for section in (
            case.challenge,
            case.approach,
            case.results,
            case.lessons_learned,
        ):
            assert 200 <= len(section) <= 2_000
    # Every vocabulary is used, not just its first term.
    assert (
        InnovationType.objects.filter(cases__is_synthetic=True).distinct().count() > 1
    )
    assert Theme.objects.filter(cases__is_synthetic=True).distinct().count() > 3


def test_a_few_cities_have_many_cases_and_most_have_few():
    generate()

    counts = sorted(
        City.objects.filter(is_synthetic=True)
        .annotate(n=Count("cases"))
        .values_list("n", flat=True)
    )
    assert counts[-1] > 2 * statistics.median(counts)


def test_most_cases_are_published_with_a_date_and_the_others_are_not():
    generate()

    published = synthetic_cases().filter(status=S.PUBLISHED)
    assert published.count() > 60 / 2
    assert not published.filter(published_at__isnull=True).exists()
    others = synthetic_cases().filter(
        status__in=[S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED]
    )
    assert others.exists()
    assert not others.filter(published_at__isnull=False).exists()


def test_cases_spread_over_every_evidence_level_and_completeness():
    generate()

    levels = set(synthetic_cases().values_list("evidence", flat=True))
    assert levels == {"unknown", "reported", "measured", "evaluated"}
    # Every case has its sections, stage and year, no image and no source: the
    # evidence makes the difference (60, or 75).
    scores = {case.completeness().score for case in synthetic_cases()}
    assert scores == {60, 75}


def test_no_history_is_written_for_synthetic_records():
    generate()

    assert not CaseStudy.history.filter(is_synthetic=True).exists()
    assert not City.history.filter(is_synthetic=True).exists()


def test_the_search_engine_finds_the_published_cases_by_title_and_city():
    """The generator writes around the signals, so it tells the index's journal to
    rebuild: the next search finds every published synthetic case."""
    search("")  # an index built before the synthetic cases
    generate()
    published = synthetic_cases().filter(status=S.PUBLISHED)
    case = published.select_related("city").first()

    assert search("", limit=100).total == published.count()
    assert case.pk in search(f'"{case.title}"', limit=100).ids
    assert case.pk in search(f'"{case.city.name}"', limit=100).ids
    draft = synthetic_cases().exclude(status=S.PUBLISHED).first()
    assert draft.pk not in search(f'"{draft.title}"', limit=100).ids


def test_the_batch_size_changes_nothing_in_the_records():
    generate("--batch-size=7")
    first = titles_and_slugs()
    terms = links()

    generate("--delete", "--batch-size=1000")

    assert titles_and_slugs() == first
    assert links() == terms


def test_an_error_half_way_leaves_the_database_as_it_was(monkeypatch):
    real = CaseStudyFactory()
    batches = synthetic._case_batches

    def failing(*args, **kwargs):
        for number, batch in enumerate(batches(*args, **kwargs)):
            if number == 2:
                raise RuntimeError("disk full")
            yield batch

    monkeypatch.setattr(synthetic, "_case_batches", failing)

    with pytest.raises(RuntimeError, match="disk full"):
        generate("--batch-size=10")

    assert list(CaseStudy.objects.all()) == [real]
    assert not City.objects.filter(is_synthetic=True).exists()
    assert not CaseStudy.themes.through.objects.exclude(casestudy=real).exists()
    # And it can run again in the same transaction.
    monkeypatch.undo()
    generate("--batch-size=10")
    assert synthetic_cases().count() == 60


# --- running it again, and deleting ------------------------------------------------


def test_generating_again_is_refused_while_synthetic_data_exists():
    generate()
    before = titles_and_slugs()

    with pytest.raises(CommandError, match="Add --delete to replace it"):
        generate("--seed=2")

    assert titles_and_slugs() == before


def test_generating_with_delete_replaces_the_synthetic_data():
    generate()

    generate("--delete", "--cities=3", "--cases=10")

    assert City.objects.filter(is_synthetic=True).count() == 3
    assert synthetic_cases().count() == 10


def test_delete_removes_exactly_the_synthetic_records_and_their_links():
    city = CityFactory()
    real = CaseStudyFactory(city=city, published=True)
    real.themes.set(Theme.objects.all()[:2])
    generate()
    through = CaseStudy.themes.through

    output = delete()

    assert "Deleted 5 synthetic cities and 60 cases" in output
    assert list(City.objects.all()) == [city]
    assert list(CaseStudy.objects.all()) == [real]
    assert through.objects.count() == 2
    assert not CaseStudy.innovation_types.through.objects.exists()
    # The real case's history is untouched.
    assert real.history.exists()


def test_delete_also_removes_the_history_of_a_synthetic_case_edited_by_hand():
    generate()
    case = synthetic_cases().first()
    case.title = "Edited in the admin"
    case.save()
    case.themes.add(Theme.objects.last())
    assert CaseStudy.history.filter(id=case.pk).exists()

    delete()

    assert not CaseStudy.history.exists()
    assert not apps.get_model(
        "innovation_cases", "HistoricalCaseStudy_themes"
    ).objects.exists()


@pytest.mark.parametrize(
    "attach",
    [
        pytest.param(lambda city, case: CaseStudyFactory(city=city), id="real case"),
        pytest.param(lambda city, case: InnovationTeamFactory(city=city), id="team"),
        pytest.param(lambda city, case: MembershipFactory(city=city), id="member"),
        pytest.param(
            lambda city, case: SourceFactory(content_object=case), id="citation"
        ),
    ],
)
def test_delete_refuses_while_a_real_record_points_at_a_synthetic_one(attach):
    generate()
    city = City.objects.filter(is_synthetic=True).first()
    attach(city, synthetic_cases().first())

    with pytest.raises(CommandError, match="Real records point at synthetic ones"):
        delete()

    assert City.objects.filter(is_synthetic=True).count() == 5
    assert synthetic_cases().count() == 60


def test_delete_without_synthetic_data_deletes_nothing():
    real = CaseStudyFactory()

    assert "Deleted 0 synthetic cities and 0 cases" in delete()
    assert list(CaseStudy.objects.all()) == [real]


def test_dry_run_says_what_would_happen_and_changes_nothing():
    generate()

    output = delete("--dry-run", "--cases=10")

    assert "Would delete 5 synthetic cities and 60 cases" in output
    assert "Would generate 1 synthetic cities and 10 cases" in output
    assert synthetic_cases().count() == 60


def test_it_needs_something_to_do():
    with pytest.raises(CommandError, match="Nothing to do"):
        call_command("generate_synthetic_data", stdout=StringIO())
    with pytest.raises(CommandError, match="--cases"):
        call_command("generate_synthetic_data", "--cities=3", stdout=StringIO())


def test_without_a_terminal_there_is_no_progress_bar():
    err = StringIO()
    call_command("generate_synthetic_data", "--cases=20", stdout=StringIO(), stderr=err)

    assert err.getvalue() == ""


def test_the_generator_is_deterministic_without_the_command():
    synthetic.generate(cities=3, cases=15, seed=3)
    first = titles_and_slugs()
    synthetic.delete()
    synthetic.generate(cities=3, cases=15, seed=3)

    assert titles_and_slugs() == first


# --- the public site ---------------------------------------------------------------


def test_synthetic_cases_and_cities_carry_a_badge_and_real_ones_do_not(client):
    real = CaseStudyFactory(published=True)
    generate()
    case = synthetic_cases().filter(status=S.PUBLISHED).first()

    for url in ("/en/cases/", case.get_absolute_url(), case.city.get_absolute_url()):
        page = client.get(url)
        assert page.status_code == 200
        assert "Generated test data, not a real" in page.content.decode()
    assert "chip-synthetic" in client.get("/en/cities/").content.decode()
    real_page = client.get(real.get_absolute_url()).content.decode()
    assert "chip-synthetic" not in real_page
    assert client.get("/api/v1/cases/").status_code == 200

"""A case's evidence of results and its completeness: the rules (one model method), and
where officers, reviewers and the public see them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.models import LifecycleStage
from innovation_cases.models import (
    COMPLETENESS_ITEMS,
    CaseRevision,
    CaseStudy,
    Evidence,
)
from tests.factories import CaseStudyFactory, SourceFactory
from tests.innovation_cases.conftest import case_in

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


def complete_case(**overrides: Any) -> CaseStudy:
    """A case that has everything completeness counts, but what `overrides` takes."""
    values: dict[str, Any] = {
        "challenge": "Slow buses.",
        "approach": "Bus lanes.",
        "results": "Buses 12% faster.",
        "lessons_learned": "Ask the drivers.",
        "evidence": Evidence.MEASURED,
        "lifecycle_stage": LifecycleStage.objects.order_by("pk").first(),
        "year_started": 2020,
        "image": "cases/abc/bus-1600.webp",
        "image_alt": "A bus in its lane.",
    }
    sources = overrides.pop("sources", 1)
    case = CaseStudyFactory(**{**values, **overrides})
    for n in range(sources):
        SourceFactory(content_object=case, title=f"Report {n}")
    return case


# --- The rules ----------------------------------------------------------------------


def test_the_weights_add_up_to_a_hundred():
    assert sum(item.weight for item in COMPLETENESS_ITEMS) == 100
    assert len({item.name for item in COMPLETENESS_ITEMS}) == len(COMPLETENESS_ITEMS)


def test_a_case_with_everything_is_complete():
    completeness = complete_case().completeness()
    assert (completeness.score, completeness.missing) == (100, ())
    assert completeness.is_complete


def test_a_case_with_nothing_scores_zero_and_lacks_every_item():
    case = CaseStudyFactory()
    completeness = case.completeness()
    assert completeness.score == 0
    assert [item.name for item in completeness.missing] == [
        item.name for item in COMPLETENESS_ITEMS
    ]


@pytest.mark.parametrize(
    ("name", "overrides", "field_id"),
    [
        ("challenge", {"challenge": "  "}, "id_challenge"),
        ("approach", {"approach": ""}, "id_approach"),
        ("results", {"results": ""}, "id_results"),
        ("lessons_learned", {"lessons_learned": ""}, "id_lessons_learned"),
        ("evidence", {"evidence": Evidence.UNKNOWN}, "id_evidence_0"),
        ("lifecycle_stage", {"lifecycle_stage": None}, "id_lifecycle_stage_0"),
        ("years", {"year_started": None}, "id_year_started"),
        ("image", {"image": "", "image_alt": ""}, "id_image_file"),
        # An image without its description: what to add is the description.
        ("image", {"image_alt": ""}, "id_image_alt"),
        ("sources", {"sources": 0}, "section-sources"),
    ],
)
def test_each_item_counts_with_its_weight_and_its_field(name, overrides, field_id):
    completeness = complete_case(**overrides).completeness()
    [missing] = completeness.missing
    weight = next(item.weight for item in COMPLETENESS_ITEMS if item.name == name)
    assert (missing.name, missing.field_id, missing.anchor) == (
        name,
        field_id,
        f"#{field_id}",
    )
    assert completeness.score == 100 - weight
    assert str(missing.label) and str(missing.hint)


def test_every_evidence_level_but_not_yet_known_counts():
    for level in Evidence:
        counted = complete_case(evidence=level).completeness().score == 100
        assert counted is (level != Evidence.UNKNOWN)


def test_a_list_counts_sources_in_its_own_query(django_assert_num_queries):
    complete_case(sources=2)
    complete_case(sources=0)
    with django_assert_num_queries(1):
        scores = sorted(
            case.completeness().score for case in CaseStudy.objects.with_source_count()
        )
    assert scores == [85, 100]


def test_a_revision_is_scored_as_it_proposes_the_case(people):
    case = complete_case(
        city=people["city_a"], status=S.PUBLISHED, published_at="2024-01-01T00:00Z"
    )
    values = {name: getattr(case, name) for name in CaseRevision.FIELDS}
    values.update(evidence=Evidence.UNKNOWN, results="", sources=[])
    revision = CaseRevision.propose(case=case, by=people["officer_a"], values=values)
    proposed = revision.proposed_case()
    assert proposed.get_evidence_display() == "Not yet known"
    assert proposed.completeness().score == 100 - 15 - 15 - 15
    # The published case is as it was.
    assert case.completeness().score == 100
    labels = [change["label"] for change in revision.diff()]
    assert "evidence of results" in labels


# --- Where it is seen -----------------------------------------------------------------


def test_the_editor_shows_what_is_missing_with_links_to_the_fields(people, as_):
    case = complete_case(city=people["city_a"], results="", evidence=Evidence.UNKNOWN)
    response = as_(people["officer_a"]).get(
        reverse("workspace:case_edit", args=[case.slug])
    )
    body = response.content.decode()
    assert "Completeness: 70%" in body
    assert '<a href="#id_results">Results</a>' in body
    assert '<a href="#id_evidence_0">Evidence of results</a>' in body
    # The fields linked to are on the page.
    assert 'id="id_results"' in body and 'id="id_evidence_0"' in body


def test_the_editor_asks_for_the_evidence_as_radios_each_with_its_definition(
    people, as_
):
    case = case_in(people["city_a"])
    response = as_(people["officer_a"]).get(
        reverse("workspace:case_edit", args=[case.slug])
    )
    body = response.content.decode()
    assert "<legend>Evidence of results</legend>" in body
    for value in Evidence.values:
        assert f'type="radio" name="evidence" value="{value}"' in body
    assert "assessed the results, and the case cites their evaluation" in body


def test_the_editor_saves_the_evidence(people, as_):
    case = case_in(people["city_a"], title="Bus lanes", summary="Faster buses.")
    response = as_(people["officer_a"]).post(
        reverse("workspace:case_edit", args=[case.slug]),
        {
            "title": case.title,
            "city": case.city.pk,
            "summary": case.summary,
            "evidence": "evaluated",
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
            "save": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.evidence == Evidence.EVALUATED


def test_the_workspace_case_page_links_each_missing_item_to_the_editor(people, as_):
    case = complete_case(city=people["city_a"], sources=0)
    response = as_(people["officer_a"]).get(
        reverse("workspace:case_detail", args=[case.slug])
    )
    body = response.content.decode()
    editor = reverse("workspace:case_edit", args=[case.slug])
    assert "Completeness: 85%" in body
    assert f'<a href="{editor}#section-sources">Sources</a>' in body
    assert "Measured with data" in body


def test_the_dashboard_lists_each_states_cases_least_complete_first(people, as_):
    full = complete_case(city=people["city_a"], title="A full case")
    bare = case_in(people["city_a"], title="Z bare case")
    response = as_(people["officer_a"]).get(reverse("workspace:dashboard"))
    [row] = response.context["rows"]
    drafts = next(s for s in row["states"] if s["value"] == S.DRAFT)["cases"]
    assert [(item["case"], item["completeness"].score) for item in drafts] == [
        (bare, 0),
        (full, 100),
    ]
    body = response.content.decode()
    assert "Completeness 0% · Evidence of results: Not yet known" in body
    assert "Completeness 100% · Evidence of results: Measured with data" in body


def test_the_review_queue_shows_completeness_and_evidence(people, as_):
    complete_case(city=people["city_a"], status=S.SUBMITTED, image="", image_alt="")
    published = complete_case(
        city=people["city_a"],
        status=S.PUBLISHED,
        published_at="2024-01-01T00:00Z",
        evidence=Evidence.REPORTED,
    )
    values = {name: getattr(published, name) for name in CaseRevision.FIELDS}
    values.update(evidence=Evidence.EVALUATED, sources=[])
    CaseRevision.propose(case=published, by=people["officer_a"], values=values)
    response = as_(people["reviewer_a"]).get(reverse("workspace:review_queue"))
    body = response.content.decode()
    assert '<th scope="col">Completeness</th>' in body
    assert '<td>90% <span class="hint">(1 item missing)</span></td>' in body
    assert "<td>Measured with data</td>" in body
    # The revision as proposed: evaluated, and without its source.
    assert "<td>85%</td><td>Independently evaluated</td>" in body


def test_the_public_case_page_says_its_completeness_and_evidence_in_words(client):
    case = complete_case(
        status=S.PUBLISHED, published_at="2024-01-01T00:00Z", image="", image_alt=""
    )
    body = client.get(case.get_absolute_url()).content.decode()
    assert "Completeness 90%" in body
    assert "not whether the innovation worked" in body
    assert "Measured with data" in body
    assert "The results are backed by data collected for the purpose" in body


def test_the_about_page_defines_the_levels_and_the_weights(client):
    body = client.get(reverse("innovation_cases:about")).content.decode()
    assert "Independently evaluated" in body
    assert '<th scope="row">Sources</th><td>15</td>' in body


def test_the_case_list_counts_the_evidence_facet_and_sorts_by_completeness(client):
    complete_case(status=S.PUBLISHED, published_at="2024-01-01T00:00Z", slug="full")
    CaseStudyFactory(published=True, slug="bare")
    response = client.get("/en/cases/", {"ordering": "-completeness"})
    assert [card.slug for card in response.context["cases"]] == ["full", "bare"]
    facet = {v.value: v.count for v in response.context["facets"]["evidence"]}
    assert facet == {"unknown": 1, "measured": 1}
    body = response.content.decode()
    assert '<option value="-completeness" selected>Most complete first</option>' in body
    assert "<legend>Evidence of results</legend>" in body
    ascending = client.get("/en/cases/", {"ordering": "completeness"})
    assert [card.slug for card in ascending.context["cases"]] == ["bare", "full"]


def test_the_history_shows_an_evidence_change_by_its_labels(people):
    from workspace.cases import version_changes

    case = case_in(people["city_a"])
    case.evidence = Evidence.MEASURED
    case.save()
    latest, previous = case.history.all()[:2]
    changes = version_changes(latest, previous)
    assert {
        "name": "evidence",
        "label": "evidence of results",
        "old": "Not yet known",
        "new": "Measured with data",
    } in [{**c, "label": str(c["label"])} for c in changes]

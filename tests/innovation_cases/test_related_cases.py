"""A case page's related cases, chosen by the search index (engine/related.py)."""

import pytest

from core.models import Approach, Driver, InnovationType, Theme
from innovation_cases.engine import journal
from innovation_cases.engine.related import shared_values
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, CityFactory

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


def _case(title, city, *, status=S.PUBLISHED, summary="", **terms) -> CaseStudy:
    """A case carrying the given slugs: themes=[...], innovation_types=[...], ..."""
    case = CaseStudyFactory(
        title=title,
        city=city,
        status=status,
        published=status == S.PUBLISHED,
        summary=summary or f"About {title.lower()}.",
    )
    for relation, model in [
        ("themes", Theme),
        ("innovation_types", InnovationType),
        ("drivers", Driver),
        ("approaches", Approach),
    ]:
        getattr(case, relation).set(
            model.objects.filter(slug__in=terms.get(relation, []))
        )
    return case


def _related(case: CaseStudy, limit: int = 4) -> list[str]:
    case = CaseStudy.objects.with_facets().get(pk=case.pk)
    return [other.title for other in CaseStudy.objects.related_to(case, limit=limit)]


@pytest.fixture
def corpus():
    ghent, lyon, porto = (CityFactory(name=n) for n in ["Ghent", "Lyon", "Porto"])
    everything = {
        "themes": ["mobility"],
        "innovation_types": ["adaptive"],
        "drivers": ["political"],
        "approaches": ["co-production"],
    }
    return {
        "subject": _case("Bus lanes", ghent, **everything),
        "twin": _case("Tram stops", ghent, **everything),
        "same theme": _case("Cycle streets", lyon, themes=["mobility"]),
        "same city": _case("Co-housing", ghent, themes=["affordable-housing"]),
        "same driver": _case("Tenant panels", porto, drivers=["political"]),
        "nothing shared": _case(
            "Pocket parks", lyon, themes=["public-spaces"], drivers=["management"]
        ),
        "draft": _case("Secret lanes", ghent, status=S.DRAFT, **everything),
        "submitted": _case("Bus gates", ghent, status=S.SUBMITTED, **everything),
        "archived": _case("Old lanes", ghent, status=S.ARCHIVED, **everything),
    }


def test_related_cases_share_a_term_and_are_never_the_case_itself_or_unpublished(
    corpus,
):
    related = _related(corpus["subject"], limit=10)
    assert sorted(related) == [
        "Co-housing",
        "Cycle streets",
        "Tenant panels",
        "Tram stops",
    ]
    subject = shared_values(CaseStudy.objects.get(pk=corpus["subject"].pk))
    for other in CaseStudy.objects.filter(title__in=related):
        theirs = shared_values(other)
        assert any(set(subject[f]) & set(theirs[f]) for f in subject), other.title


def test_more_and_weightier_shared_terms_rank_first(corpus):
    # The twin shares everything; the same city outweighs the same theme, which
    # outweighs the same driver.
    assert _related(corpus["subject"]) == [
        "Tram stops",
        "Co-housing",
        "Cycle streets",
        "Tenant panels",
    ]


def test_shared_words_of_the_title_and_summary_rank_cases_of_equal_terms():
    oslo, porto = CityFactory(name="Oslo"), CityFactory(name="Porto")
    subject = _case(
        "Shared e-bikes for commuters",
        oslo,
        summary="Shared e-bikes at every station, for commuters.",
        themes=["safe-streets"],
    )
    for title, summary in [
        ("Potholes reported by residents", "An app to report potholes."),
        ("Shared e-bikes in the suburbs", "Shared e-bikes reach the suburbs."),
        ("Street lighting at night", "Brighter streets for residents."),
    ]:
        _case(title, porto, summary=summary, themes=["safe-streets"])
    assert _related(subject)[0] == "Shared e-bikes in the suburbs"
    assert len(_related(subject)) == 3


def test_a_case_the_index_does_not_hold_gets_related_cases_from_its_own_terms(
    corpus,
):
    # A draft is never in the index (nor is a case published a moment ago, until the
    # index catches up): its own terms, read from the database, still find its peers.
    assert "Tram stops" in _related(corpus["draft"])
    assert "Secret lanes" not in _related(corpus["draft"])


def test_a_published_case_is_proposed_on_the_next_page_view(corpus):
    assert "Bus gates" not in _related(corpus["subject"])
    submitted = corpus["submitted"]
    submitted.status = S.PUBLISHED
    submitted.published_at = submitted.created_at
    submitted.save()
    assert "Bus gates" in _related(corpus["subject"])


def test_the_related_rows_are_loaded_by_one_query(corpus, django_assert_num_queries):
    case = CaseStudy.objects.with_facets().get(pk=corpus["subject"].pk)
    journal.fresh_searcher()  # the index built: a one-off
    # The journal's look for changes, and the rows (with their city) by id.
    with django_assert_num_queries(2):
        related = CaseStudy.objects.published().related_to(case)
        assert [other.city.name for other in related] == [
            "Ghent",
            "Ghent",
            "Lyon",
            "Porto",
        ]


def test_the_case_page_lists_its_related_cases(client, corpus):
    body = client.get(corpus["subject"].get_absolute_url()).content.decode()
    assert "Tram stops" in body
    assert "Pocket parks" not in body
    assert "Secret lanes" not in body


def test_an_index_holding_replaced_documents_still_answers():
    # Each edit replaces a case's document; the old one stays in its segment, deleted,
    # until a merge, and still counts in a word's document frequency (tantivy's own
    # more-like-this then panics: quickwit-oss/tantivy#2964).
    ghent = CityFactory(name="Ghent")
    cases = [
        _case(f"Bus lanes {n}", ghent, summary="Bus lanes on every avenue.")
        for n in range(6)
    ]
    assert len(_related(cases[0])) == 4  # the index is built: one segment
    for case in cases[1:5]:
        case.title += ", edited"
        case.save()
    assert journal.fresh_searcher().doc_freq("title_en", "lane") > 6  # the premise
    assert len(_related(cases[0])) == 4

"""One field list per model, and each screen's deviations from it (core/fields.py);
one registry of the vocabularies (core/vocabularies.py)."""

import pytest

from cities.models import FundingProgramme, InnovationTeam, Lab, Strategy
from cities.serializers import (
    FundingProgrammeSerializer,
    InnovationTeamSerializer,
    LabSerializer,
    StrategySerializer,
)
from core.fields import field_list
from core.vocabularies import VOCABULARIES
from innovation_cases import exports
from innovation_cases.forms import CaseForm
from innovation_cases.models import (
    RELATION_FIELDS,
    TRANSLATION_FIELDS,
    CaseRevision,
    CaseStudy,
)
from innovation_cases.serializers import CaseStudySerializer
from workspace.profiles import KINDS


def test_a_screen_leaves_fields_out_and_adds_its_own_after_the_models():
    fields = ["title", "city", "summary", "image"]

    assert field_list(fields) == fields
    assert field_list(
        fields, leave_out=["image"], add_after={"title": ["url"], "city": ["country"]}
    ) == ["title", "url", "city", "country", "summary"]


@pytest.mark.parametrize(
    "deviation", [{"leave_out": ["nope"]}, {"add_after": {"nope": ["url"]}}]
)
def test_a_deviation_from_a_field_the_model_does_not_list_is_refused(deviation):
    with pytest.raises(ValueError, match="Not in the field list: nope"):
        field_list(["title"], **deviation)


def test_the_case_editor_api_export_and_revision_read_the_cases_one_list():
    written = [f for f in CaseStudy.FIELDS if f != "image"]
    assert CaseForm._meta.fields == written
    shown = CaseStudySerializer.Meta.fields
    assert [f for f in shown if f in CaseStudy.FIELDS] == [
        f for f in CaseStudy.FIELDS if f not in ("image_alt", "image_credit")
    ]
    assert [f for f in exports.COLUMNS if f in CaseStudy.FIELDS] == [
        "title",
        "city",
        "district",
        "original_language",
        "summary",
        "innovation_types",
        "drivers",
        "approaches",
        "themes",
        "lifecycle_stage",
        "evidence",
        "year_started",
        "year_ended",
    ]
    # Each adds the derived completeness after the evidence.
    for fields in (shown, exports.COLUMNS):
        assert fields[fields.index("evidence") + 1] == "completeness"
    # A revision also carries the translations, a column a field and a language.
    assert set(CaseRevision.FIELDS) == set(CaseStudy.FIELDS) - {
        "city",
        *RELATION_FIELDS,
    } | set(TRANSLATION_FIELDS)
    # The relations a version records are the many-to-many fields of the list.
    assert RELATION_FIELDS == [
        f for f in CaseStudy.FIELDS if CaseStudy._meta.get_field(f).many_to_many
    ]


@pytest.mark.parametrize(
    ("model", "serializer", "kind"),
    [
        (InnovationTeam, InnovationTeamSerializer, "teams"),
        (Lab, LabSerializer, "labs"),
        (Strategy, StrategySerializer, "strategies"),
        (FundingProgramme, FundingProgrammeSerializer, "funds"),
    ],
)
def test_a_city_records_workspace_form_and_api_read_its_one_list(
    model, serializer, kind
):
    model_fields = [f for f in serializer.Meta.fields if f in model.FIELDS]
    assert model_fields == model.FIELDS
    # The workspace's city is the URL's.
    assert KINDS[kind].fields == [f for f in model.FIELDS if f != "city"]


def test_the_vocabulary_registry_matches_the_cases_relations():
    for vocabulary in VOCABULARIES:
        field = CaseStudy._meta.get_field(vocabulary.case_field)
        assert field.related_model is vocabulary.model
        assert field.many_to_many is vocabulary.many

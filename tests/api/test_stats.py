"""The statistics endpoint, /api/v1/stats/: the site's own figures, which leave the
drafts out. The request is anonymous.
"""

from __future__ import annotations

import json

import pytest

from innovation_cases.stats import site_statistics

from .helpers import get

pytestmark = pytest.mark.django_db


def test_the_statistics_are_the_sites_own_and_ignore_drafts(client, read_cases):
    response = get(client, "/api/v1/stats/")

    assert response.status_code == 200
    expected = json.loads(json.dumps(site_statistics().as_dict()))
    assert response.json() == expected
    payload = response.json()
    assert payload["case_count"] == 6  # not the draft
    themes = {row["slug"]: row["count"] for row in payload["cases_by"]["theme"]}
    assert themes["homelessness"] == 0  # only the draft has it
    assert themes["mobility"] == 1  # the draft's other theme: Ghent's case only
    years = {row["slug"]: row["count"] for row in payload["cases_by"]["year"]}
    assert "2020" not in years  # the draft's year
    assert years == {"2015": 1, "2017": 1, "2019": 1, "2021": 1}
    assert payload["cases_without_year"] == 2
    assert response["ETag"]

"""The load test's figures and report: bench/loadtest/report.py (no server)."""

import pytest

from bench.loadtest import report


def test_percentiles_are_by_nearest_rank():
    values = [float(n) for n in range(1, 101)]

    assert report.percentile(values, 0.50) == 50.0
    assert report.percentile(values, 0.95) == 95.0
    assert report.percentile(values, 0.99) == 99.0
    assert report.percentile([7.0], 0.99) == 7.0
    assert report.percentile([], 0.5) == 0.0


RECORDS = {
    "requests": [
        # group, ms, status, URL, end (s)
        ["page: home", 10.0, 200, "http://h/", 1.0],
        ["page: home", 30.0, 200, "http://h/", 2.0],
        ["page: case", 20.0, 500, "http://h/cases/x/", 3.0],
        ["page: case", 40.0, 404, "http://h/cases/y/", 4.0],
        ["write: edit", 50.0, 412, "http://h/api/v1/cases/s/", 5.0],
        ["write: edit", 60.0, 200, "http://h/api/v1/cases/s/", 9.0],
        ["officer: read for ETag", 5.0, 0, "http://h/api/v1/cases/s/", 11.0],
    ],
    "writes": [],
}


def test_figures_by_group_with_throughput_within_the_run():
    shown = report.figures(RECORDS, seconds=10)

    overall = shown["overall"]
    assert overall["requests"] == 7
    assert overall["rps"] == 0.6  # the answer after 10 s is timed, not counted
    assert overall["statuses"] == {"0": 1, "200": 3, "404": 1, "412": 1, "500": 1}
    assert overall["p50_ms"] == 30.0  # the request without an answer has no time
    assert shown["officer"]["requests"] == 3
    assert shown["anonymous"]["requests"] == 4
    edit = next(g for g in shown["groups"] if g["group"] == "write: edit")
    assert (edit["requests"], edit["p50_ms"], edit["p99_ms"]) == (2, 50.0, 60.0)


def test_5xx_and_no_answer_are_errors_and_other_statuses_unexpected():
    shown = report.figures(RECORDS, seconds=10)

    assert shown["errors"] == [
        "500 page: case: http://h/cases/x/",
        "0 officer: read for ETag: http://h/api/v1/cases/s/",
    ]
    # A 412 answers an edit from a stale version: expected, as a read's 200.
    assert shown["unexpected"] == ["404 page: case: http://h/cases/y/"]


def test_write_docs_replaces_only_the_block_between_the_markers(tmp_path):
    doc = tmp_path / "reliability.md"
    doc.write_text(
        f"# Reliability\n\nBefore.\n\n{report.DOCS_START}\nold table\n"
        f"{report.DOCS_END}\n\nAfter.\n"
    )

    report.write_docs(doc, "| new | table |\n")

    assert doc.read_text() == (
        f"# Reliability\n\nBefore.\n\n{report.DOCS_START}\n| new | table |\n"
        f"{report.DOCS_END}\n\nAfter.\n"
    )


def test_write_docs_refuses_a_file_without_the_markers(tmp_path):
    doc = tmp_path / "reliability.md"
    doc.write_text("# Reliability\n")

    with pytest.raises(ValueError, match="has no"):
        report.write_docs(doc, "table\n")
    assert doc.read_text() == "# Reliability\n"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("60", 60.0), ("60s", 60.0), ("10s", 10.0), ("2m", 120.0), ("1m30s", 90.0)],
)
def test_a_duration_is_read_as_locust_writes_it(value, seconds):
    from bench.loadtest.run import seconds as read

    assert read(value) == seconds


@pytest.mark.parametrize("value", ["", "0s", "ten", "-5s", "5h"])
def test_a_duration_that_is_not_one_is_refused(value):
    import argparse

    from bench.loadtest.run import seconds as read

    with pytest.raises(argparse.ArgumentTypeError):
        read(value)

"""Publish to visible, the harness's reading of its polls: bench/publish.py (no server,
no database)."""

from bench import publish
from bench.run import ACCESS_LOG_FORMAT


def test_visible_from_the_first_of_the_rounds_in_a_row_that_all_found_it():
    rounds = [(0.05, False), (0.1, True), (0.15, False), (0.2, True), (0.25, True)]

    assert publish.first_of_streak(rounds, 2) == 3
    assert publish.first_of_streak(rounds, 3) is None
    assert publish.first_of_streak(rounds, 1) == 1


def test_a_round_that_missed_starts_the_count_again():
    rounds = [(0.1, True), (0.2, True), (0.3, False), (0.4, True)]

    assert publish.first_of_streak(rounds, 3) is None


def line(tag: str, pid: int) -> str:
    """An access log line as ACCESS_LOG_FORMAT writes it."""
    return ACCESS_LOG_FORMAT % {
        "h": "127.0.0.1",
        "l": "-",
        "u": "-",
        "t": "[05/Dec/2026:10:00:00 +0000]",
        "r": f"GET /cases/?q=pubvisabc&_nocache={tag} HTTP/1.1",
        "s": "200",
        "b": "4096",
        "f": "-",
        "a": "Python-urllib",
        "p": f"<{pid}>",
    }


def test_the_workers_are_read_from_the_access_log_by_tag():
    lines = [
        line("publish-ab12-1-0-1", 101),
        line("publish-ab12-1-0-2", 102),
        line("publish-ab12-1-0-10", 103),
        line("publish-ab12-2-0-1", 104),  # another trial
        '127.0.0.1 - - [05/Dec/2026] "GET /cases/?q=pubvisabc HTTP/1.1" 200 1 <105>',
    ]

    found = publish.serving_workers(
        lines, {"publish-ab12-1-0-1", "publish-ab12-1-0-10"}
    )

    assert found == {101, 103}

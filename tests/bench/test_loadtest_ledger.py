"""The load test's lost- and doubled-write check: bench/loadtest/ledger.py, fed by hand
with a case's history and the writes the clients believe they made (no server, no
database)."""

from bench.loadtest.ledger import check_case, check_create

START = {"summary": "As set up.", "status": "draft", "etag": '"e0"'}


def write(kind, token, status, if_match, etag):
    return {
        "kind": kind,
        "token": token,
        "status": status,
        "if_match": if_match,
        "etag": etag,
        "case": "shared",
    }


def text(token):
    return f"Load test write {token}."


T1, T2, T3, T4 = (
    "lt-e-0-1-aaaaaa",
    "lt-e-1-2-bbbbbb",
    "lt-s-0-3-cccccc",
    "lt-w-1-4-dddddd",
)


def clean_run():
    """Two officers: an edit each from the same version (the second refused, then
    retried from the new one), a submission, a withdrawal."""
    writes = [
        write("edit", T1, 200, '"e0"', '"e1"'),
        write("edit", "lt-e-1-9-ffffff", 412, '"e0"', None),
        write("edit", T2, 200, '"e1"', '"e2"'),
        write("submit", T3, 200, '"e2"', '"e3"'),
        write("withdraw", T4, 200, '"e3"', '"e4"'),
    ]
    history = [
        ("As set up.", "draft"),
        (text(T1), "draft"),
        (text(T2), "draft"),
        (text(T3), "draft"),  # a submission: the text, then the step
        (text(T3), "submitted"),
        (text(T4), "submitted"),
        (text(T4), "draft"),
    ]
    return history, writes


def check(history, writes, current=None, reviews=1):
    current = current or history[-1]
    return check_case("shared", START, history, current, reviews, writes)


def test_an_unbroken_chain_of_acknowledged_writes_passes():
    history, writes = clean_run()

    found = check(history, writes)

    assert found.problems == []
    assert found.counts["edit acknowledged"] == 2
    assert found.counts["edit refused"] == 1
    assert found.counts["submit acknowledged"] == 1
    assert found.counts["withdraw acknowledged"] == 1
    assert found.counts["versions checked"] == 7


def test_an_acknowledged_write_missing_from_the_history_is_lost():
    history, writes = clean_run()
    del history[2]  # T2's version

    found = check(history, writes)

    assert any("LOST: edit lt-e-1-2-bbbbbb" in p for p in found.problems)


def test_two_writes_accepted_from_the_same_version_are_a_lost_update():
    history, writes = clean_run()
    # The second edit was accepted although it was sent with the first's If-Match.
    writes[2]["if_match"] = '"e0"'

    found = check(history, writes)

    assert [p for p in found.problems if "LOST UPDATE" in p] == [
        'shared: LOST UPDATE: edit lt-e-1-2-bbbbbb was accepted with If-Match "e0", '
        'but the version before it in the history was "e1"'
    ]


def test_a_write_recorded_twice_is_doubled():
    history, writes = clean_run()
    history.append((text(T1), "draft"))

    found = check(history, writes, current=history[-1])

    assert any("DOUBLED: edit lt-e-0-1-aaaaaa" in p for p in found.problems)


def test_a_refused_write_in_the_history_is_reported():
    history, writes = clean_run()
    history.append((text("lt-e-1-9-ffffff"), "draft"))

    found = check(history, writes)

    assert any("was refused (412) but is in the history" in p for p in found.problems)


def test_a_version_no_write_made_is_reported():
    history, writes = clean_run()
    history.append(("Someone else's text.", "draft"))

    found = check(history, writes)

    assert "shared: a version of its history was made by no write of the run" in (
        found.problems
    )


def test_a_submission_that_did_not_change_the_status_is_reported():
    history, writes = clean_run()
    history[4] = (text(T3), "draft")
    history[5] = (text(T4), "draft")

    found = check(history, writes)

    assert any("submit lt-s-0-3-cccccc took the case" in p for p in found.problems)


def test_submissions_recorded_for_review_must_match_the_history():
    history, writes = clean_run()

    found = check(history, writes, reviews=2)

    assert found.problems == [
        "shared: 2 submissions recorded for review, but 1 submits in its history"
    ]


def test_the_case_must_read_as_its_last_version():
    history, writes = clean_run()

    found = check(history, writes, current=(text(T2), "draft"))

    assert len(found.problems) == 1
    assert "not its last version" in found.problems[0]


def test_a_history_that_does_not_start_as_set_up_is_reported():
    found = check([("Other.", "draft")], [])

    assert found.problems == ["shared: its history does not begin as it was set up"]


def create(status, wanted="submitted", slug="load-test-case-x"):
    return {
        "kind": "create",
        "token": "lt-c-0-1-abcdef",
        "status": status,
        "wanted": wanted,
        "slug": slug if status == 201 else "",
    }


def stored(status="submitted", created_versions=1, reviews=1):
    return {
        "slug": "load-test-case-x",
        "status": status,
        "created_versions": created_versions,
        "submitted_reviews": reviews,
    }


def test_an_acknowledged_create_stored_once_passes():
    found = check_create(create(201), [stored()])

    assert found.problems == []
    assert found.counts["create acknowledged"] == 1


def test_an_acknowledged_create_not_stored_is_lost():
    assert check_create(create(201), []).problems == [
        "LOST: create lt-c-0-1-abcdef was answered 201 but no case holds it"
    ]


def test_a_create_stored_twice_is_doubled_even_unanswered():
    assert "DOUBLED: create lt-c-0-1-abcdef is in 2 cases" in (
        check_create(create(0), [stored(), stored()]).problems
    )


def test_an_unanswered_create_may_be_stored_once():
    assert check_create(create(0), [stored()]).problems == []


def test_a_refused_create_that_was_stored_is_reported():
    assert check_create(create(400), [stored()]).problems == [
        "create lt-c-0-1-abcdef was refused (400) but a case holds it"
    ]


def test_a_create_stored_in_another_state_or_reviewed_twice_is_reported():
    found = check_create(create(201), [stored(status="draft", reviews=2)])

    assert found.problems == [
        "create lt-c-0-1-abcdef: stored as load-test-case-x (draft), answered as "
        "load-test-case-x (submitted)",
        "create lt-c-0-1-abcdef: 2 submissions recorded for review, expected 1",
    ]

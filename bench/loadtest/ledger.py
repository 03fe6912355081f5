"""The load test's proof that no write was lost or doubled: every write the clients
made, held against what the database recorded (pure functions; verify.py reads the
database, tests/bench/test_loadtest_ledger.py feeds them by hand).

Every write carries a token of its own, written into the case's summary (and, for a
create, its title), so that each version in a case's history names the write that made
it. A write is:

- acknowledged: answered 2xx. It must be in the database exactly once;
- refused: answered 4xx (a 412 for an edit made from a stale version). It must not be
  there at all;
- unknown: no answer (the connection failed) or a 5xx. It may be there, at most once
  (the run fails anyway, on the error).

The lost-update proof: on one case, the writes the history holds, in the history's
order, must form an unbroken chain, each sent with `If-Match` naming the version its
predecessor's answer gave (the first, the version the run started from). A write made
from an older version that was still accepted, which is how an update is lost, breaks
the chain; a write counted twice shows its token twice.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TOKEN = re.compile(r"\blt-[a-z]-\d+-\d+-[0-9a-f]+\b")
# The status each kind of write leaves a case in; an edit leaves it as it was.
TARGET = {"submit": "submitted", "withdraw": "draft"}
ACKNOWLEDGED = "acknowledged"
REFUSED = "refused"
UNKNOWN = "unknown"


def outcome(status: int) -> str:
    if 200 <= status < 300:
        return ACKNOWLEDGED
    if 400 <= status < 500:
        return REFUSED
    return UNKNOWN


def token_of(text: str) -> str | None:
    found = TOKEN.search(text)
    return found.group(0) if found else None


@dataclass
class Findings:
    """What the check found: the problems (each fails the run) and the counts."""

    problems: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Findings) -> None:
        self.problems += other.problems
        self.counts.update(other.counts)


def check_case(
    case: str,
    start: dict[str, Any],
    history: list[tuple[str, str]],
    current: tuple[str, str],
    submitted_reviews: int,
    writes: list[dict[str, Any]],
) -> Findings:
    """One shared case: its `history` (summary and status of each version, oldest
    first), its `current` summary and status, the reviews recording a submission, and
    the `writes` the clients sent to it. `start` is the case as the run began: its
    summary, status and ETag."""
    found = Findings()
    by_token = {write["token"]: write for write in writes}
    # The history as runs of versions with the same summary: the first is the case
    # as set up, each other one the work of one write (a submission records two
    # versions, the text and then the step, with the same summary).
    runs: list[tuple[str, list[str]]] = []
    for summary, status in history:
        if runs and runs[-1][0] == summary:
            runs[-1][1].append(status)
        else:
            runs.append((summary, [status]))
    if not runs or runs[0][0] != start["summary"]:
        found.problems.append(f"{case}: its history does not begin as it was set up")
        return found
    tokens = [token_of(summary) for summary, _ in runs[1:]]
    seen = Counter(tokens)
    for token in seen:
        if token is None or token not in by_token:
            found.problems.append(
                f"{case}: a version of its history was made by no write of the run"
            )
    for write in writes:
        kind, token, result = write["kind"], write["token"], outcome(write["status"])
        found.counts[f"{kind} {result}"] += 1
        times = seen[token]
        if result == ACKNOWLEDGED and times == 0:
            found.problems.append(
                f"{case}: LOST: {kind} {token} was answered {write['status']} but is "
                "not in the history"
            )
        elif result == REFUSED and times:
            found.problems.append(
                f"{case}: {kind} {token} was refused ({write['status']}) but is in "
                "the history"
            )
        elif times > 1:
            found.problems.append(
                f"{case}: DOUBLED: {kind} {token} is in the history {times} times"
            )
    # The chain of versions, and the status each write left.
    etag: str | None = start["etag"]
    status = start["status"]
    submits = 0
    for token, (_, statuses) in zip(tokens, runs[1:], strict=True):
        made = by_token.get(token or "")
        if made is None:
            etag = None  # a stray version: the next link cannot be judged
            status = statuses[-1]
            continue
        kind = made["kind"]
        if outcome(made["status"]) == ACKNOWLEDGED:
            if etag is not None and made["if_match"] != etag:
                found.problems.append(
                    f"{case}: LOST UPDATE: {kind} {token} was accepted with If-Match "
                    f"{made['if_match']}, but the version before it in the history "
                    f"was {etag}"
                )
            etag = made["etag"]
        else:
            etag = None
        wanted = TARGET.get(kind, status)
        if statuses[0] != status or statuses[-1] != wanted or len(set(statuses)) > 2:
            found.problems.append(
                f"{case}: {kind} {token} took the case from {status} through "
                f"{', '.join(statuses)} (expected {status} to {wanted})"
            )
        submits += kind == "submit"
        status = statuses[-1]
    if submitted_reviews != submits:
        found.problems.append(
            f"{case}: {submitted_reviews} submissions recorded for review, but "
            f"{submits} submits in its history"
        )
    last_summary, _ = runs[-1]
    if current != (last_summary, status):
        found.problems.append(
            f"{case}: the case reads {current}, not its last version "
            f"({last_summary!r}, {status!r})"
        )
    found.counts["versions checked"] += len(history)
    return found


def check_create(write: dict[str, Any], stored: list[dict[str, Any]]) -> Findings:
    """One create: `stored`, the cases whose title holds its token, each with its
    status, slug, its history's creation versions and its submission reviews."""
    found = Findings()
    token, result = write["token"], outcome(write["status"])
    found.counts[f"create {result}"] += 1
    if result == ACKNOWLEDGED and not stored:
        found.problems.append(
            f"LOST: create {token} was answered {write['status']} but no case holds it"
        )
    elif result == REFUSED and stored:
        found.problems.append(
            f"create {token} was refused ({write['status']}) but a case holds it"
        )
    elif len(stored) > 1:
        found.problems.append(f"DOUBLED: create {token} is in {len(stored)} cases")
    for case in stored:
        if case["created_versions"] != 1:
            found.problems.append(
                f"create {token}: {case['created_versions']} creation versions in "
                f"the history of {case['slug']}"
            )
        if result != ACKNOWLEDGED:
            continue
        if case["slug"] != write["slug"] or case["status"] != write["wanted"]:
            found.problems.append(
                f"create {token}: stored as {case['slug']} ({case['status']}), "
                f"answered as {write['slug']} ({write['wanted']})"
            )
        expected = 1 if write["wanted"] == "submitted" else 0
        if case["submitted_reviews"] != expected:
            found.problems.append(
                f"create {token}: {case['submitted_reviews']} submissions recorded "
                f"for review, expected {expected}"
            )
    return found

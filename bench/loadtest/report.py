"""The load test's figures and its Markdown report (pure functions, from the records the
clients wrote: tests/bench/test_loadtest_report.py).

Latency percentiles are exact (nearest rank over every request's time), throughput is
requests over the run's length, per request group (the name each client gave its
request) and overall, with the count of every status.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The block of docs/reliability.md that `--write-docs` rewrites.
DOCS_START = "<!-- loadtest-results:start -->"
DOCS_END = "<!-- loadtest-results:end -->"
# The statuses each group answers when all is well. Anything else is reported, and
# fails the run: a read that is not a 200 means the test did not test what it says.
EXPECTED = {"write: create": {201}, "write: edit": {200, 412}}
EXPECTED_DEFAULT = {200}
for _kind in ("submit", "withdraw"):
    EXPECTED[f"write: {_kind}"] = {200, 412}


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted `values` (0 when there are none)."""
    if not values:
        return 0.0
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def summarise(
    name: str, rows: Sequence[Sequence[Any]], seconds: float
) -> dict[str, Any]:
    """One group's figures. Its throughput counts the answers that came within the
    run's `seconds` (those still in flight then are answered after it, timed but not
    counted); its latencies are those of every answered request."""
    times = sorted(float(row[1]) for row in rows if row[2])
    statuses = Counter(int(row[2]) for row in rows)
    total = sum(statuses.values())
    within = sum(1 for row in rows if float(row[4]) <= seconds)
    return {
        "group": name,
        "requests": total,
        "rps": round(within / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(times[-1], 1) if times else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def figures(records: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Overall, reads, writes and each group's figures over a run of `seconds`; the
    5xx and the unexpected answers, each with its URL."""
    rows: list[Sequence[Any]] = records["requests"]
    groups: dict[str, list[Sequence[Any]]] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(row)
    officer = [row for row in rows if row[0].startswith(("write:", "officer:"))]
    anonymous = [row for row in rows if not row[0].startswith(("write:", "officer:"))]
    errors = [
        f"{row[2]} {row[0]}: {row[3]}" for row in rows if row[2] >= 500 or not row[2]
    ]
    unexpected = [
        f"{row[2]} {row[0]}: {row[3]}"
        for row in rows
        if 0 < row[2] < 500 and row[2] not in EXPECTED.get(row[0], EXPECTED_DEFAULT)
    ]
    return {
        "seconds": round(seconds, 1),
        "overall": summarise("all requests", rows, seconds),
        "anonymous": summarise("anonymous reads", anonymous, seconds),
        "officer": summarise("officers (reads for ETags, writes)", officer, seconds),
        "groups": [summarise(name, groups[name], seconds) for name in sorted(groups)],
        "errors": errors,
        "unexpected": unexpected,
    }


def statuses_text(statuses: dict[str, int]) -> str:
    return ", ".join(f"{status}: {n:,}" for status, n in statuses.items())


def render_markdown(
    meta: dict[str, Any], shown: dict[str, Any], findings: dict[str, Any]
) -> str:
    writes = findings.get("counts", {})
    failures = shown["failures"]
    lines = [
        f"`make loadtest` on {meta['date']}, commit {meta['commit']}"
        + (" (with uncommitted changes)" if meta["dirty"] else "")
        + f": {meta['clients']} clients ({meta['officer_clients']} officers) for "
        f"{meta['seconds']:g} s against gunicorn ({meta['gunicorn']}) on PostgreSQL "
        f"{meta['postgres']} with Redis, {meta['cases']:,} synthetic cases plus the "
        f"demo's; {meta['cores']} cores, {meta['memory_gb']} GB, load average "
        f"{meta['loadavg_start']:.1f} before and {meta['loadavg_end']:.1f} after "
        "(the clients, the server, PostgreSQL and Redis share the machine).",
        "",
        "**Result: "
        + (
            "FAILED**"
            if failures
            else "passed**: no 5xx, no request "
            "without an answer, no unexpected status, and every acknowledged write in "
            "the database exactly once, in an unbroken chain of versions."
        ),
        "",
        "| requests | count | req/s | p50 ms | p95 ms | p99 ms | max ms | statuses |",
        "|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in [shown["overall"], shown["anonymous"], shown["officer"]]:
        lines.append(table_row(row, bold=True))
    for row in shown["groups"]:
        lines.append(table_row(row))
    lines += [
        "",
        "Writes, as the database holds them (verify.py): "
        + (
            ", ".join(f"{kind}: {n:,}" for kind, n in sorted(writes.items()))
            or "none checked"
        )
        + ".",
    ]
    if failures:
        lines += ["", "Failures:", ""] + [f"- {line}" for line in failures[:50]]
        if len(failures) > 50:
            lines.append(f"- … and {len(failures) - 50:,} more")
    return "\n".join(lines) + "\n"


def table_row(row: dict[str, Any], bold: bool = False) -> str:
    name = f"**{row['group']}**" if bold else row["group"]
    return (
        f"| {name} | {row['requests']:,} | {row['rps']:,.1f} | {row['p50_ms']:,.0f} "
        f"| {row['p95_ms']:,.0f} | {row['p99_ms']:,.0f} | {row['max_ms']:,.0f} "
        f"| {statuses_text(row['statuses'])} |"
    )


def write_docs(path: Path, markdown: str) -> None:
    """Put `markdown` between the result markers of `path` (docs/reliability.md)."""
    text = path.read_text()
    pattern = re.compile(re.escape(DOCS_START) + r".*?" + re.escape(DOCS_END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no {DOCS_START} … {DOCS_END} block")
    block = f"{DOCS_START}\n{markdown}{DOCS_END}"
    path.write_text(pattern.sub(lambda _: block, text, count=1))

"""Ratios, targets and the results table: the pure part of the harness.

`results` is the dictionary bench/run.py builds and writes as bench/results/latest.json:

    {"meta": {...}, "sizes": [{"cases": 1000, "dataset": {..., "rebuild_s": ...},
      "cold_ms": {path: ms, ...},
      "endpoints": {"search": {"path": ..., "bytes": ..., "queries": ..., "probe_s": ...,
                               "not_cached": <Measurement>, "cached": <Measurement>,
                               "ceiling": <Measurement>}, ...},
      "export": {...} or None, "publish": {...} or None, "loadavg": [...]}, ...]}

with the sizes in increasing order; measurements are `wrk.Measurement.as_dict()`.
Every target is judged at every size (`evaluate`), and the targets table has a value
and a verdict for each size.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from .endpoints import (
    BY_KEY,
    CACHED_TARGET,
    COLD_MAX_MS,
    COLD_P50_MS,
    COLD_PAGE_MS,
    COLD_PAGES,
    ENDPOINTS,
    EXPORT_MB_PER_S,
    EXPORT_MEMORY_MB,
    PUBLISH_VISIBLE_S,
    PUBLISH_WORKERS,
    REBUILD_S,
    SCALE_SHARE,
    SEARCH_OVER_BASELINE,
)

Results = dict[str, Any]
# How each kind of target reads in the tables.
SIGNS = {"min": ">=", "max": "<=", "below": "<"}


@dataclass(frozen=True)
class Check:
    """One target of issues 6 and 15, held against this run's figure at one size."""

    name: str
    value: float | None
    target: float
    # "min": value >= target; "max": value <= target; "below": value < target.
    kind: str = "min"
    # The size (published and unpublished cases generated) the figure was measured at.
    cases: int | None = None

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        if self.kind == "min":
            return self.value >= self.target
        if self.kind == "max":
            return self.value <= self.target
        return self.value < self.target

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]

    @property
    def needed(self) -> str:
        return f"{SIGNS[self.kind]} {self.target:g}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cases": self.cases,
            "value": self.value,
            "target": self.target,
            "kind": self.kind,
            "met": self.met,
        }


def ratio(
    measured: dict[str, Any] | None, ceiling: dict[str, Any] | None
) -> float | None:
    """Throughput as a share of the static file's of the same size, in the same run."""
    if not measured or not ceiling or not ceiling.get("rps"):
        return None
    return round(measured["rps"] / ceiling["rps"], 7)


def endpoint_ratio(
    size: dict[str, Any], key: str, mode: str = "not_cached"
) -> float | None:
    row = size["endpoints"].get(key)
    if not row:
        return None
    return ratio(row.get(mode), row.get("ceiling"))


def evaluate(results: Results) -> list[Check]:
    """Every target, at every size where its figure was measured: the issue's targets
    are for 100,000 cases, and the smaller sizes show where a figure starts to slip.
    The scale target compares each larger size with the smallest."""
    sizes = results["sizes"]
    checks: list[Check] = []
    for size in sizes:
        checks += size_checks(size, sizes[0])
    return checks


def size_checks(size: dict[str, Any], smallest: dict[str, Any]) -> list[Check]:
    """The targets one size's figures decide, in the order the issue lists them."""
    cases = size["cases"]
    endpoints = size["endpoints"]

    def check(
        name: str, value: float | None, target: float, kind: str = "min"
    ) -> Check:
        return Check(name, value, target, kind, cases)

    checks: list[Check] = []
    cold = sorted((size.get("cold_ms") or {}).values())
    if cold:
        checks.append(
            check(
                "cold questions (bench/questions.py): p50 ms",
                round(statistics.median(cold), 1),
                COLD_P50_MS,
                "max",
            )
        )
        checks.append(
            check(
                "cold questions (bench/questions.py): max ms",
                cold[-1],
                COLD_MAX_MS,
                "max",
            )
        )
    for key in COLD_PAGES:
        row = endpoints.get(key)
        if row and row.get("probe_s") is not None:
            checks.append(
                check(
                    f"{endpoint_label(key)}, cold ms",
                    round(row["probe_s"] * 1000, 1),
                    COLD_PAGE_MS,
                    "max",
                )
            )
    for endpoint in ENDPOINTS:
        row = endpoints.get(endpoint.key)
        if endpoint.target is not None and row and row.get("not_cached"):
            checks.append(
                check(
                    f"{endpoint.label}, not cached, ratio ({endpoint.target_label})",
                    endpoint_ratio(size, endpoint.key),
                    endpoint.target,
                )
            )
    for endpoint in ENDPOINTS:
        row = endpoints.get(endpoint.key)
        if endpoint.cached and row and row.get("cached"):
            checks.append(
                check(
                    f"{endpoint.label}, cached, ratio",
                    endpoint_ratio(size, endpoint.key, "cached"),
                    CACHED_TARGET,
                )
            )
    search = endpoints.get("search", {}).get("probe_s")
    baseline = endpoints.get("baseline", {}).get("probe_s")
    if search and baseline:
        # What the index buys shows in the cold times: the same question, answered by
        # the engine or by icontains and SQL facet counts (bench/views.py).
        checks.append(
            check(
                "ranked search over the icontains baseline, cold in-process (times)",
                round(baseline / search, 1),
                SEARCH_OVER_BASELINE,
            )
        )
    if size is not smallest:
        for endpoint in ENDPOINTS:
            if not endpoint.scale:
                continue
            first = endpoint_ratio(smallest, endpoint.key)
            last = endpoint_ratio(size, endpoint.key)
            if first is None and last is None:
                continue
            checks.append(
                check(
                    f"{endpoint.label}: ratio / ratio at {smallest['cases']:,}",
                    round(last / first, 3) if first and last is not None else None,
                    SCALE_SHARE,
                )
            )
    publish = size.get("publish")
    if publish:
        checks.append(
            check(
                "publish to visible in search, every worker: seconds "
                "(slowest of the trials)",
                publish.get("seconds"),
                PUBLISH_VISIBLE_S,
                "max",
            )
        )
        checks.append(
            check(
                "publish to visible: gunicorn workers that answered the polls",
                publish.get("workers"),
                PUBLISH_WORKERS,
            )
        )
    rebuild = size.get("dataset", {}).get("rebuild_s")
    if rebuild is not None:
        checks.append(check("search index rebuild: seconds", rebuild, REBUILD_S, "max"))
    export = size.get("export")
    if export and export.get("mb_per_s") is not None:
        checks.append(
            check(
                "CSV export of every published case: MB/s",
                export["mb_per_s"],
                EXPORT_MB_PER_S,
            )
        )
    if export and export.get("memory_growth_mb") is not None:
        checks.append(
            check(
                "CSV export of every published case: worker memory growth (MB)",
                export["memory_growth_mb"],
                EXPORT_MEMORY_MB,
                "below",
            )
        )
    return checks


def query_count_failures(results: Results) -> list[str]:
    """Endpoints whose queries per request differ between the smallest and largest size.

    Every size is compared with the smallest, so that a count that grows and then
    settles is caught too.
    """
    sizes = results["sizes"]
    failures: list[str] = []
    if len(sizes) < 2:
        return failures
    first = sizes[0]
    for size in sizes[1:]:
        for key, row in first["endpoints"].items():
            other = size["endpoints"].get(key)
            if other is None or other.get("queries") is None:
                continue
            if row.get("queries") != other["queries"]:
                failures.append(
                    f"{key}: {row['queries']} queries at {first['cases']:,} cases, "
                    f"{other['queries']} at {size['cases']:,}"
                )
    return failures


# --- rendering ----------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(value: float | None) -> str:
    """Three decimals, or five for the tiny ratios of the slowest pages."""
    return _num(value, 3 if value is None or value >= 0.01 else 5)


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "?"


def _size(nbytes: int | None) -> str:
    if nbytes is None:
        return "–"
    if nbytes >= 1024 * 1024:
        return f"{nbytes / 1024 / 1024:.1f} MB"
    return f"{nbytes / 1024:.1f} kB"


def _met(value: float | None, target: float | None, kind: str = "min") -> str:
    if target is None:
        return ""
    return Check("", value, target, kind).verdict


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _load_rows(size: dict[str, Any], mode: str) -> list[list[str]]:
    rows = []
    for endpoint in ENDPOINTS:
        row = size["endpoints"].get(endpoint.key)
        if not row or not row.get(mode):
            continue
        m = row[mode]
        value = endpoint_ratio(size, endpoint.key, mode)
        target = CACHED_TARGET if mode == "cached" else endpoint.target
        rows.append(
            [
                endpoint.label,
                f"`{row['path']}`",
                _size(row.get("bytes")),
                str(row.get("queries", "–")),
                _num(row["probe_s"] * 1000 if row.get("probe_s") else None),
                str(m.get("connections", "–")),
                _num(m["rps"], 1 if m["rps"] >= 10 else 3),
                _num(m["p50_ms"]),
                _num(m["p95_ms"]),
                _num(m["p99_ms"]),
                _num(row["ceiling"]["rps"] if row.get("ceiling") else None, 0),
                _ratio(value),
                "" if target is None else f">= {target:.2f}",
                _met(value, target),
            ]
        )
    return rows


LOAD_HEADERS = [
    "endpoint",
    "path",
    "size",
    "queries",
    "cold ms",
    "conns",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "ceiling req/s",
    "ratio",
    "target",
    "met?",
]


def render_markdown(results: Results, checks: list[Check]) -> str:
    meta = results["meta"]
    sizes = results["sizes"]
    out = [
        "# Benchmark results",
        "",
        f"- date: {meta.get('date', '?')}; commit: `{meta.get('commit', '?')}`"
        + (" (with uncommitted changes)" if meta.get("dirty") else ""),
        f"- machine: {meta.get('cores', '?')} cores, "
        f"{_num(meta.get('memory_gb'))} GB memory; PostgreSQL {meta.get('postgres', '?')}",
        f"- load average (1 min) at start and end: {meta.get('loadavg_start', '?')}, "
        f"{meta.get('loadavg_end', '?')}",
        f"- server: gunicorn {meta.get('gunicorn', '?')}, DEBUG off, cache "
        f"{meta.get('cache', '?')}",
        f"- load: wrk, {meta.get('connections', '?')} connections, "
        f"{meta.get('threads', '?')} threads, {meta.get('seconds', '?')} s an endpoint "
        f"({meta.get('cached_seconds', '?')} s cached); "
        f"search word `{meta.get('word', '?')}`",
        f"- sizes: {', '.join(f'{s["cases"]:,}' for s in sizes)} cases generated"
        + (" (quick run)" if meta.get("quick") else ""),
        "",
        "Ratio: the endpoint's requests per second divided by those of a static file of "
        "the same size served by whitenoise through the same gunicorn, measured just "
        "before it. Not cached: every request has its own URL (`_nocache=<n>`), so the "
        "page cache cannot answer, and nothing under it keeps anything. cold ms: one request in-process with "
        "no cache at all, and queries: its queries (the probe). "
        "conns: the load's connections; pages too slow for 16 are measured at one "
        "connection per core (docs/benchmarks.md).",
    ]
    for size in sizes:
        out += _size_tables(size)
    if len(sizes) > 1:
        rows = []
        for endpoint in ENDPOINTS:
            if not endpoint.scale:
                continue
            cells = [endpoint.label]
            for size in sizes:
                row = size["endpoints"].get(endpoint.key, {})
                m = row.get("not_cached")
                cells.append(
                    "–"
                    if not m
                    else f"{_num(m['p50_ms'])} / {_ratio(endpoint_ratio(size, endpoint.key))}"
                )
            rows.append(cells)
        out += [
            "",
            "## Scale: p50 ms / ratio, not cached",
            "",
            table(["endpoint", *(f"{s['cases']:,}" for s in sizes)], rows),
        ]
    out += _cold_tables(sizes)
    counts = results.get("query_counts") or {
        str(size["cases"]): {k: r.get("queries") for k, r in size["endpoints"].items()}
        for size in sizes
    }
    if counts:
        rows = []
        for endpoint in ENDPOINTS:
            cells = [endpoint.label]
            for by_key in counts.values():
                value = by_key.get(endpoint.key)
                cells.append("–" if value is None else str(value))
            rows.append(cells)
        out += [
            "",
            "## Queries per request (must not change with the size)",
            "",
            table(["endpoint", *(f"{int(n):,}" for n in counts)], rows),
        ]
    out += _export_table(sizes)
    out += _publish_table(sizes)
    if checks:
        out += ["", "## Targets", "", targets_table(checks, sizes), ""]
        out.append(
            "Targets met: "
            + "; ".join(
                f"{met} of {total} at {cases:,}"
                for cases, met, total in met_counts(checks, sizes)
            )
            + "."
        )
    failures = results.get("failures") or []
    if failures:
        out += ["", "## FAILURES", ""] + [f"- {f}" for f in failures]
    return "\n".join(out) + "\n"


def _size_tables(size: dict[str, Any]) -> list[str]:
    """One size's endpoints under load: not cached, then cached."""
    ds = size.get("dataset", {})
    out = [
        "",
        f"## {size['cases']:,} cases, not cached",
        "",
        f"Dataset: {_count(ds.get('published'))} published cases in "
        f"{_count(ds.get('cities'))} cities; the search word matches "
        f"{_count(ds.get('word_matches'))}; the city page's city has "
        f"{_count(ds.get('city_cases'))} of them (its page shows the newest).",
        "",
        table(LOAD_HEADERS, _load_rows(size, "not_cached")),
    ]
    cached = _load_rows(size, "cached")
    if cached:
        out += [
            "",
            f"## {size['cases']:,} cases, cached (the same URL every time)",
            "",
            table(LOAD_HEADERS, cached),
        ]
    return out


def _cold_tables(sizes: list[dict[str, Any]]) -> list[str]:
    """The cold questions at each size, and every probed page's cold time."""
    out: list[str] = []
    cold_rows = []
    for size in sizes:
        times = size.get("cold_ms") or {}
        if not times:
            continue
        ordered = sorted(times.values())
        slowest = sorted(times.items(), key=lambda item: -item[1])[:3]
        cold_rows.append(
            [
                f"{size['cases']:,}",
                str(len(ordered)),
                _num(statistics.median(ordered)),
                _num(ordered[int(len(ordered) * 0.9)]),
                _num(ordered[-1]),
                "; ".join(f"`{path}` {ms:g}" for path, ms in slowest),
                _num(size["dataset"].get("rebuild_s")),
            ]
        )
    if cold_rows:
        out += [
            "",
            "## Cold questions (in-process, each asked once: bench/questions.py)",
            "",
            table(
                [
                    "cases",
                    "questions",
                    "p50 ms",
                    "p90 ms",
                    "max ms",
                    "slowest",
                    "index rebuild s",
                ],
                cold_rows,
            ),
        ]
    page_rows = []
    for endpoint in ENDPOINTS:
        cells = [endpoint.label]
        for size in sizes:
            probe_s = size["endpoints"].get(endpoint.key, {}).get("probe_s")
            cells.append(_num(probe_s * 1000 if probe_s is not None else None))
        if any(cell != "–" for cell in cells[1:]):
            page_rows.append(cells)
    if page_rows:
        out += [
            "",
            "## Cold pages (in-process, no cache, ms: the probe)",
            "",
            table(["endpoint", *(f"{s['cases']:,}" for s in sizes)], page_rows),
        ]
    return out


def _export_table(sizes: list[dict[str, Any]]) -> list[str]:
    rows = []
    for size in sizes:
        export = size.get("export")
        if not export:
            continue
        rows.append(
            [
                f"{size['cases']:,}",
                f"{export['rows']:,}",
                _size(export["bytes"]),
                _num(export["seconds"], 2),
                _num(export["mb_per_s"]),
                _num(export.get("ceiling_mb_per_s")),
                _num(export.get("ratio"), 3),
                f">= {EXPORT_MB_PER_S:g}",
                _met(export.get("mb_per_s"), EXPORT_MB_PER_S, "min"),
                f"{_num(export.get('memory_growth_mb'))} MB",
                f"< {EXPORT_MEMORY_MB:g} MB",
                _met(export.get("memory_growth_mb"), EXPORT_MEMORY_MB, "below"),
            ]
        )
    if not rows:
        return []
    headers = [
        "cases",
        "rows",
        "size",
        "time s",
        "MB/s",
        "static MB/s",
        "ratio",
        "target",
        "met?",
        "worker memory growth",
        "target",
        "met?",
    ]
    return ["", "## Full CSV export", "", table(headers, rows)]


def _publish_table(sizes: list[dict[str, Any]]) -> list[str]:
    rows = []
    for size in sizes:
        publish = size.get("publish")
        if not publish:
            continue
        rows.append(
            [
                f"{size['cases']:,}",
                ", ".join(_num(t, 3) for t in publish.get("trials", [])),
                _num(publish.get("seconds"), 3),
                f"<= {PUBLISH_VISIBLE_S:g}",
                _met(publish.get("seconds"), PUBLISH_VISIBLE_S, "max"),
                str(publish.get("streak", "?")),
                str(publish.get("workers", "?")),
            ]
        )
    if not rows:
        return []
    headers = [
        "cases",
        "each trial, s",
        "slowest s",
        "target",
        "met?",
        "requests in a row that found it",
        "workers that answered them",
    ]
    return [
        "",
        "## Publish to visible in search (bench/publish.py)",
        "",
        table(headers, rows),
    ]


def _figure(check: Check) -> str:
    """A target's value as its kind reads best: a count as a whole number, a ratio or
    seconds under a second to three decimals, milliseconds and the rest to one."""
    value = check.value
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    if check.target <= 1:
        return _ratio(value)
    return _num(value)


def targets_table(checks: list[Check], sizes: list[dict[str, Any]]) -> str:
    """One row a target; for each size, its value and its verdict (blank where the
    size has no such figure: the scale target at the smallest size)."""
    columns = [size["cases"] for size in sizes]
    by_name_and_size = {(c.name, c.cases): c for c in checks}
    headers = ["target", "needed"]
    for cases in columns:
        headers += [f"{cases:,}", "verdict"]
    rows = []
    # In the order of the largest size's checks, which has every target (the scale
    # target has no figure at the smallest).
    largest_first = sorted(checks, key=lambda c: -(c.cases or 0))
    for name in dict.fromkeys(c.name for c in largest_first):
        found = [by_name_and_size.get((name, cases)) for cases in columns]
        first = next(c for c in found if c is not None)
        cells = [name, first.needed]
        for check in found:
            cells += ["–", ""] if check is None else [_figure(check), check.verdict]
        rows.append(cells)
    return table(headers, rows)


def met_counts(
    checks: list[Check], sizes: list[dict[str, Any]]
) -> list[tuple[int, int, int]]:
    """(cases, targets met, targets judged) at each size."""
    counts = []
    for size in sizes:
        judged = [c for c in checks if c.cases == size["cases"]]
        counts.append((size["cases"], sum(c.met is True for c in judged), len(judged)))
    return counts


def endpoint_label(key: str) -> str:
    return BY_KEY[key].label if key in BY_KEY else key

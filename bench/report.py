"""Ratios, targets and the results table: the pure part of the harness.

`results` is the dictionary bench/run.py builds and writes as bench/results/latest.json:

    {"meta": {...}, "sizes": [{"cases": 1000, "dataset": {...},
      "endpoints": {"search": {"path": ..., "bytes": ..., "queries": ...,
                               "not_cached": <Measurement>, "cached": <Measurement>,
                               "ceiling": <Measurement>}, ...},
      "export": {...} or None, "loadavg": [...]}, ...]}

with the sizes in increasing order; measurements are `wrk.Measurement.as_dict()`.
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
    REBUILD_S,
    SCALE_SHARE,
    SEARCH_OVER_BASELINE,
)

Results = dict[str, Any]


@dataclass(frozen=True)
class Check:
    """One target of issues 6 and 15, held against this run's figures."""

    name: str
    value: float | None
    target: float
    # "min": value >= target; "max": value < target.
    kind: str = "min"

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return (
            self.value >= self.target
            if self.kind == "min"
            else self.value < self.target
        )

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
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
    """Every target that the largest size's figures (and the scale series) can decide."""
    sizes = results["sizes"]
    if not sizes:
        return []
    largest, smallest = sizes[-1], sizes[0]
    n = f"{largest['cases']:,}"
    checks: list[Check] = []
    for endpoint in ENDPOINTS:
        if endpoint.target is not None and endpoint.key in largest["endpoints"]:
            checks.append(
                Check(
                    f"{endpoint.label}, not cached, ratio at {n} ({endpoint.target_label})",
                    endpoint_ratio(largest, endpoint.key),
                    endpoint.target,
                )
            )
    for endpoint in ENDPOINTS:
        row = largest["endpoints"].get(endpoint.key)
        if endpoint.cached and row and row.get("cached"):
            checks.append(
                Check(
                    f"{endpoint.label}, cached, ratio at {n}",
                    endpoint_ratio(largest, endpoint.key, "cached"),
                    CACHED_TARGET,
                )
            )
    cold = sorted((largest.get("cold_ms") or {}).values())
    if cold:
        checks.append(
            Check(
                f"{len(cold)} cold questions at {n}: p50 ms",
                round(statistics.median(cold), 1),
                COLD_P50_MS,
                kind="max",
            )
        )
        checks.append(
            Check(
                f"{len(cold)} cold questions at {n}: max ms",
                cold[-1],
                COLD_MAX_MS,
                kind="max",
            )
        )
    for key in COLD_PAGES:
        row = largest["endpoints"].get(key)
        if row and row.get("probe_s") is not None:
            checks.append(
                Check(
                    f"{endpoint_label(key)}, cold ms at {n}",
                    round(row["probe_s"] * 1000, 1),
                    COLD_PAGE_MS,
                    kind="max",
                )
            )
    rebuild = largest["dataset"].get("rebuild_s")
    if rebuild is not None:
        checks.append(
            Check(
                f"search index rebuild at {n}: seconds", rebuild, REBUILD_S, kind="max"
            )
        )
    search_row = largest["endpoints"].get("search", {})
    baseline_row = largest["endpoints"].get("baseline", {})
    search = search_row.get("not_cached")
    baseline = baseline_row.get("not_cached")
    if search and baseline:
        # Under load the baseline's repeated question is as costly each time; what
        # the index buys shows best in the cold times.
        checks.append(
            Check(
                f"ranked search over the icontains baseline, throughput, at {n} (times)",
                round(search["rps"] / baseline["rps"], 1),
                SEARCH_OVER_BASELINE,
            )
        )
    if search_row.get("probe_s") and baseline_row.get("probe_s"):
        checks.append(
            Check(
                "ranked search over the icontains baseline, cold in-process time, "
                f"at {n} (times)",
                round(baseline_row["probe_s"] / search_row["probe_s"], 1),
                SEARCH_OVER_BASELINE,
            )
        )
    if len(sizes) > 1:
        for endpoint in ENDPOINTS:
            if not endpoint.scale or endpoint.key == "baseline":
                continue
            first = endpoint_ratio(smallest, endpoint.key)
            last = endpoint_ratio(largest, endpoint.key)
            checks.append(
                Check(
                    f"{endpoint.label}: ratio at {n} / ratio at {smallest['cases']:,}",
                    round(last / first, 3) if first and last is not None else None,
                    SCALE_SHARE,
                )
            )
    export = largest.get("export")
    if export and export.get("mb_per_s") is not None:
        checks.append(
            Check(
                f"CSV export of {export['rows']:,} cases: MB/s",
                export["mb_per_s"],
                EXPORT_MB_PER_S,
            )
        )
    if export and export.get("memory_growth_mb") is not None:
        checks.append(
            Check(
                f"CSV export of {export['rows']:,} cases: worker memory growth (MB)",
                export["memory_growth_mb"],
                EXPORT_MEMORY_MB,
                kind="max",
            )
        )
    return checks


def query_count_failures(results: Results) -> list[str]:
    """Endpoints whose queries per request differ between the smallest and largest size.

    Every size is compared with the smallest, so that a count that grows and then
    settles is caught too.
    """
    sizes = results["sizes"]
    failures = []
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
        f"{meta.get('threads', '?')} threads, {meta.get('seconds', '?')} s an endpoint; "
        f"search word `{meta.get('word', '?')}`",
        f"- sizes: {', '.join(f'{s["cases"]:,}' for s in sizes)} published cases"
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
    if sizes:
        largest = sizes[-1]
        ds = largest.get("dataset", {})
        out += [
            "",
            f"## {largest['cases']:,} cases, not cached",
            "",
            f"Dataset: {_count(ds.get('published'))} published cases in "
            f"{_count(ds.get('cities'))} cities; the search word matches "
            f"{_count(ds.get('word_matches'))}; the city page's city has "
            f"{_count(ds.get('city_cases'))} of them (its page shows the newest).",
            "",
            table(LOAD_HEADERS, _load_rows(largest, "not_cached")),
        ]
        cached = _load_rows(largest, "cached")
        if cached:
            out += [
                "",
                f"## {largest['cases']:,} cases, cached (the same URL every time)",
                "",
                table(LOAD_HEADERS, cached),
            ]
    if len(sizes) > 1:
        scale_keys = [e for e in ENDPOINTS if e.scale]
        rows = []
        for endpoint in scale_keys:
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
    if sizes:
        export = sizes[-1].get("export")
        if export:
            out += [
                "",
                "## Full CSV export",
                "",
                table(
                    [
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
                    ],
                    [
                        [
                            f"{export['rows']:,}",
                            _size(export["bytes"]),
                            _num(export["seconds"], 2),
                            _num(export["mb_per_s"]),
                            _num(export.get("ceiling_mb_per_s")),
                            _num(export.get("ratio"), 3),
                            f"≥ {EXPORT_MB_PER_S:.0f}",
                            _met(export.get("mb_per_s"), EXPORT_MB_PER_S, "min"),
                            f"{_num(export.get('memory_growth_mb'))} MB",
                            f"< {EXPORT_MEMORY_MB:.0f} MB",
                            _met(
                                export.get("memory_growth_mb"), EXPORT_MEMORY_MB, "max"
                            ),
                        ]
                    ],
                ),
            ]
    if checks:
        out += [
            "",
            "## Targets",
            "",
            table(
                ["target", "value", "needed", "verdict"],
                [
                    [
                        c.name,
                        _ratio(c.value),
                        (">= " if c.kind == "min" else "< ") + f"{c.target:g}",
                        c.verdict,
                    ]
                    for c in checks
                ],
            ),
            "",
            f"{sum(c.met is True for c in checks)} of {len(checks)} targets met.",
        ]
    failures = results.get("failures") or []
    if failures:
        out += ["", "## FAILURES", ""] + [f"- {f}" for f in failures]
    return "\n".join(out) + "\n"


def endpoint_label(key: str) -> str:
    return BY_KEY[key].label if key in BY_KEY else key

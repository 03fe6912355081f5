"""Ratios, targets and the results table: bench/report.py (no wrk, no database)."""

from typing import Any

from bench import report
from bench.endpoints import ENDPOINTS


def measurement(rps: float, p50_ms: float = 10.0) -> dict[str, Any]:
    return {
        "requests": int(rps * 10),
        "seconds": 10.0,
        "rps": rps,
        "p50_ms": p50_ms,
        "p95_ms": p50_ms * 2,
        "p99_ms": p50_ms * 3,
        "max_ms": p50_ms * 4,
        "bytes": 1000,
        "connections": 16,
    }


def size(cases: int, rps: dict[str, float], *, cached: float | None = None) -> dict:
    """A size where every endpoint's ceiling is 1000 req/s: rps / 1000 is the ratio."""
    endpoints = {}
    for endpoint in ENDPOINTS:
        if endpoint.key not in rps:
            continue
        row = {
            "path": endpoint.path,
            "bytes": 20_000,
            "queries": 12,
            # Cold, in-process: the baseline 100 times the others.
            "probe_s": 2.5 if endpoint.key == "baseline" else 0.025,
            "ceiling": measurement(1000.0),
            "not_cached": measurement(rps[endpoint.key]),
        }
        if cached is not None and endpoint.cached:
            row["cached"] = measurement(cached)
        endpoints[endpoint.key] = row
    return {"cases": cases, "dataset": {}, "endpoints": endpoints, "export": None}


ALL_MET = {
    "home": 50.0,
    "insights": 40.0,
    "list": 150.0,
    "search": 160.0,
    "list_facets_search": 170.0,
    "case": 260.0,
    "city": 250.0,
    "api_search": 155.0,
    "api_facets": 165.0,
    "api_detail": 300.0,
    "baseline": 1.0,
}


def results(*sizes: dict) -> dict[str, Any]:
    return {"meta": {"commit": "abc123", "cores": 2}, "sizes": list(sizes)}


def by_name(checks: list[report.Check]) -> dict[str, report.Check]:
    return {check.name: check for check in checks}


def test_ratio_is_throughput_over_the_ceilings():
    assert report.ratio(measurement(150.0), measurement(1000.0)) == 0.15


def test_ratio_is_unknown_without_a_ceiling():
    assert report.ratio(measurement(150.0), None) is None
    assert report.ratio(measurement(150.0), measurement(0.0)) is None


def test_every_target_is_met_when_every_ratio_reaches_it():
    checks = report.evaluate(results(size(100_000, ALL_MET, cached=900.0)))

    assert checks
    assert all(check.met for check in checks), [c for c in checks if not c.met]


def test_a_ratio_under_its_target_is_missed():
    slow = {**ALL_MET, "search": 149.0}

    checks = by_name(report.evaluate(results(size(100_000, slow))))

    search = checks["case list, ?q=word, not cached, ratio at 100,000 (ranked search)"]
    assert (search.value, search.target, search.met) == (0.149, 0.15, False)
    assert search.verdict == "MISSED"


def test_the_index_is_judged_on_cold_times_too():
    data = size(100_000, ALL_MET)
    data["endpoints"]["baseline"]["probe_s"] = 0.5

    checks = by_name(report.evaluate(results(data)))

    cold = checks[
        "ranked search over the icontains baseline, cold in-process time, "
        "at 100,000 (times)"
    ]
    assert (cold.value, cold.met) == (20.0, False)


def test_cached_figures_are_held_to_the_cached_target():
    checks = by_name(report.evaluate(results(size(100_000, ALL_MET, cached=790.0))))

    cached = checks["case page, cached, ratio at 100,000"]
    assert (cached.value, cached.target, cached.met) == (0.79, 0.80, False)


def test_search_must_be_a_hundred_times_the_icontains_baseline():
    checks = by_name(
        report.evaluate(results(size(100_000, {**ALL_MET, "baseline": 1.7})))
    )

    factor = checks[
        "ranked search over the icontains baseline, throughput, at 100,000 (times)"
    ]
    assert (factor.value, factor.met) == (94.1, False)


def test_scale_compares_the_largest_sizes_ratio_with_the_smallests():
    small = size(1_000, {**ALL_MET, "list": 400.0, "search": 200.0})
    large = size(100_000, {**ALL_MET, "list": 150.0, "search": 120.0})

    checks = by_name(report.evaluate(results(small, large)))

    assert (
        checks["case list, unfiltered: ratio at 100,000 / ratio at 1,000"].value
        == 0.375
    )
    assert (
        checks["case list, unfiltered: ratio at 100,000 / ratio at 1,000"].met is False
    )
    assert checks["case list, ?q=word: ratio at 100,000 / ratio at 1,000"].value == 0.6
    assert checks["case list, ?q=word: ratio at 100,000 / ratio at 1,000"].met is True


def test_the_baseline_has_no_scale_target_of_its_own():
    checks = report.evaluate(results(size(1_000, ALL_MET), size(100_000, ALL_MET)))

    assert not [c for c in checks if c.name.startswith("icontains")]


def test_export_memory_growth_must_stay_under_the_limit():
    large = size(100_000, ALL_MET)
    large["export"] = {"rows": 85_000, "memory_growth_mb": 120.0}

    checks = by_name(report.evaluate(results(large)))

    memory = checks["CSV export of 85,000 cases: worker memory growth (MB)"]
    assert (memory.kind, memory.met, memory.verdict) == ("max", False, "MISSED")


def test_the_export_must_stream_at_least_twenty_mb_a_second():
    large = size(100_000, ALL_MET)
    large["export"] = {"rows": 85_000, "mb_per_s": 1.3, "memory_growth_mb": 20.0}

    checks = by_name(report.evaluate(results(large)))

    speed = checks["CSV export of 85,000 cases: MB/s"]
    assert (speed.target, speed.kind, speed.verdict) == (20.0, "min", "MISSED")
    large["export"]["mb_per_s"] = 25.0
    checks = by_name(report.evaluate(results(large)))
    assert checks["CSV export of 85,000 cases: MB/s"].verdict == "met"


def test_a_target_not_measured_is_neither_met_nor_missed():
    check = report.Check("x", None, 0.1)

    assert (check.met, check.verdict) == (None, "not measured")


def test_query_counts_that_change_with_the_size_are_failures():
    small = size(1_000, ALL_MET)
    large = size(100_000, ALL_MET)
    large["endpoints"]["city"]["queries"] = 13

    failures = report.query_count_failures(results(small, large))

    assert failures == ["city: 12 queries at 1,000 cases, 13 at 100,000"]


def test_constant_query_counts_are_no_failure():
    assert (
        report.query_count_failures(
            results(size(1_000, ALL_MET), size(100_000, ALL_MET))
        )
        == []
    )


def test_one_size_has_nothing_to_compare():
    assert report.query_count_failures(results(size(1_000, ALL_MET))) == []


def test_the_table_shows_every_endpoint_with_its_ratio_target_and_verdict():
    data = results(size(100_000, {**ALL_MET, "search": 99.0}))  # 0.099
    data["meta"].update(cores=2, memory_gb=23.5, loadavg_start=1.5, loadavg_end=2.0)

    markdown = report.render_markdown(data, report.evaluate(data))

    assert "- machine: 2 cores, 23.5 GB memory" in markdown
    assert "load average (1 min) at start and end: 1.5, 2.0" in markdown
    assert "commit: `abc123`" in markdown
    row = next(
        line
        for line in markdown.splitlines()
        if line.startswith("| case list, ?q=word")
    )
    assert row == (
        "| case list, ?q=word | `/cases/?q={word}` | 19.5 kB | 12 | 25.0 | 16 | 99.0 "
        "| 10.0 | 20.0 "
        "| 30.0 | 1,000 | 0.099 | >= 0.15 | MISSED |"
    )
    home = next(
        line for line in markdown.splitlines() if line.startswith("| home page")
    )
    assert home.endswith("| 0.050 |  |  |")
    assert "of 10 targets met" in markdown or "targets met." in markdown


def test_the_table_lists_failures_loudly():
    data = results(size(1_000, ALL_MET))
    data["failures"] = ["/cases/: status 500"]

    markdown = report.render_markdown(data, [])

    assert markdown.endswith("## FAILURES\n\n- /cases/: status 500\n")


def test_the_scale_table_has_a_column_a_size():
    data = results(size(1_000, ALL_MET), size(10_000, ALL_MET))

    markdown = report.render_markdown(data, report.evaluate(data))

    assert "| endpoint | 1,000 | 10,000 |" in markdown
    assert "| case list, ?q=word | 10.0 / 0.160 | 10.0 / 0.160 |" in markdown


def test_cold_questions_are_held_to_their_p50_and_max():
    data = size(100_000, ALL_MET)
    data["cold_ms"] = {f"/cases/?q=w{i}": float(i) for i in range(1, 52)}  # 1..51
    data["dataset"]["rebuild_s"] = 75.0

    checks = by_name(report.evaluate(results(data)))

    p50 = checks["51 cold questions at 100,000: p50 ms"]
    peak = checks["51 cold questions at 100,000: max ms"]
    assert (p50.value, p50.met) == (26.0, True)
    assert (peak.value, peak.met) == (51.0, True)
    rebuild = checks["search index rebuild at 100,000: seconds"]
    assert (rebuild.value, rebuild.met) == (75.0, False)
    markdown = report.render_markdown(results(data), list(checks.values()))
    assert "| 100,000 | 51 | 26.0 | 46.0 | 51.0 |" in markdown


def test_the_pages_are_held_to_their_cold_time():
    data = size(100_000, ALL_MET)
    data["endpoints"]["insights"]["probe_s"] = 0.062

    checks = by_name(report.evaluate(results(data)))

    insights = checks["insights, cold ms at 100,000"]
    assert (insights.value, insights.target, insights.met) == (62.0, 50.0, False)
    assert checks["home page, cold ms at 100,000"].met

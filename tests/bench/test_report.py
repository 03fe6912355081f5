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
    """A size where every endpoint's ceiling is 1000 req/s: rps / 1000 is the ratio.
    An endpoint not put under load (the baseline) has only its probe's figures."""
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
        }
        if endpoint.load:
            row["ceiling"] = measurement(1000.0)
            row["not_cached"] = measurement(rps[endpoint.key])
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
    "api_stats": 200.0,
    "baseline": 1.0,
}


def results(*sizes: dict) -> dict[str, Any]:
    return {"meta": {"commit": "abc123", "cores": 2}, "sizes": list(sizes)}


def by_name(
    checks: list[report.Check], cases: int = 100_000
) -> dict[str, report.Check]:
    """The checks of one size, by name."""
    return {check.name: check for check in checks if check.cases == cases}


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

    search = checks["case list, ?q=word, not cached, ratio (ranked search)"]
    assert (search.value, search.target, search.met) == (0.149, 0.15, False)
    assert search.verdict == "MISSED"


def test_the_index_is_judged_on_cold_times_too():
    data = size(100_000, ALL_MET)
    data["endpoints"]["baseline"]["probe_s"] = 0.5

    checks = by_name(report.evaluate(results(data)))

    cold = checks["ranked search over the icontains baseline, cold in-process (times)"]
    assert (cold.value, cold.met) == (20.0, False)


def test_cached_figures_are_held_to_the_cached_target():
    checks = by_name(report.evaluate(results(size(100_000, ALL_MET, cached=790.0))))

    cached = checks["case page, cached, ratio"]
    assert (cached.value, cached.target, cached.met) == (0.79, 0.80, False)
    assert checks["API statistics, cached, ratio"].met is False


def test_the_icontains_baseline_is_judged_cold_only():
    checks = report.evaluate(results(size(100_000, ALL_MET)))

    about_baseline = [c.name for c in checks if "icontains" in c.name]
    assert about_baseline == [
        "ranked search over the icontains baseline, cold in-process (times)"
    ]


def test_scale_compares_the_largest_sizes_ratio_with_the_smallests():
    small = size(1_000, {**ALL_MET, "list": 400.0, "search": 200.0})
    large = size(100_000, {**ALL_MET, "list": 150.0, "search": 120.0})

    checks = by_name(report.evaluate(results(small, large)))

    unfiltered = checks["case list, unfiltered: ratio / ratio at 1,000"]
    assert (unfiltered.value, unfiltered.met) == (0.375, False)
    searched = checks["case list, ?q=word: ratio / ratio at 1,000"]
    assert (searched.value, searched.met) == (0.6, True)


def test_the_smallest_size_has_no_scale_target():
    checks = report.evaluate(results(size(1_000, ALL_MET), size(10_000, ALL_MET)))

    scale = [c for c in checks if "ratio at 1,000" in c.name]
    assert scale
    assert {c.cases for c in scale} == {10_000}


def test_the_baseline_has_no_scale_target_of_its_own():
    checks = report.evaluate(results(size(1_000, ALL_MET), size(100_000, ALL_MET)))

    assert not [c for c in checks if c.name.startswith("icontains")]


def test_export_memory_growth_must_stay_under_the_limit():
    large = size(100_000, ALL_MET)
    large["export"] = {"rows": 85_000, "memory_growth_mb": 120.0}

    checks = by_name(report.evaluate(results(large)))

    memory = checks["CSV export of every published case: worker memory growth (MB)"]
    assert (memory.kind, memory.met, memory.verdict) == ("below", False, "MISSED")
    large["export"]["memory_growth_mb"] = 100.0
    checks = by_name(report.evaluate(results(large)))
    assert (
        checks["CSV export of every published case: worker memory growth (MB)"].met
        is False
    )


def test_the_export_must_stream_at_least_twenty_mb_a_second():
    large = size(100_000, ALL_MET)
    large["export"] = {"rows": 85_000, "mb_per_s": 1.3, "memory_growth_mb": 20.0}

    checks = by_name(report.evaluate(results(large)))

    speed = checks["CSV export of every published case: MB/s"]
    assert (speed.target, speed.kind, speed.verdict) == (20.0, "min", "MISSED")
    large["export"]["mb_per_s"] = 25.0
    checks = by_name(report.evaluate(results(large)))
    assert checks["CSV export of every published case: MB/s"].verdict == "met"


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
        "| case list, ?q=word | `/en/cases/?q={word}` | 19.5 kB | 12 | 25.0 | 16 | 99.0 "
        "| 10.0 | 20.0 "
        "| 30.0 | 1,000 | 0.099 | >= 0.15 | MISSED |"
    )
    home = next(
        line for line in markdown.splitlines() if line.startswith("| home page")
    )
    assert home.endswith("| 0.050 |  |  |")


def test_the_table_lists_failures_loudly():
    data = results(size(1_000, ALL_MET))
    data["failures"] = ["/en/cases/: status 500"]

    markdown = report.render_markdown(data, [])

    assert markdown.endswith("## FAILURES\n\n- /en/cases/: status 500\n")


def test_the_scale_table_has_a_column_a_size():
    data = results(size(1_000, ALL_MET), size(10_000, ALL_MET))

    markdown = report.render_markdown(data, report.evaluate(data))

    assert "| endpoint | 1,000 | 10,000 |" in markdown
    assert "| case list, ?q=word | 10.0 / 0.160 | 10.0 / 0.160 |" in markdown


def test_cold_questions_are_held_to_their_p50_and_max():
    data = size(100_000, ALL_MET)
    data["cold_ms"] = {f"/en/cases/?q=w{i}": float(i) for i in range(1, 52)}  # 1..51
    data["dataset"]["rebuild_s"] = 75.0

    checks = by_name(report.evaluate(results(data)))

    p50 = checks["cold questions (bench/questions.py): p50 ms"]
    peak = checks["cold questions (bench/questions.py): max ms"]
    assert (p50.value, p50.met) == (26.0, True)
    assert (peak.value, peak.met) == (51.0, True)
    rebuild = checks["search index rebuild: seconds"]
    assert (rebuild.value, rebuild.met) == (75.0, False)
    markdown = report.render_markdown(results(data), list(checks.values()))
    assert "| 100,000 | 51 | 26.0 | 46.0 | 51.0 |" in markdown


def test_the_pages_are_held_to_their_cold_time():
    data = size(100_000, ALL_MET)
    data["endpoints"]["insights"]["probe_s"] = 0.062

    checks = by_name(report.evaluate(results(data)))

    insights = checks["insights, cold ms"]
    assert (insights.value, insights.target, insights.met) == (62.0, 50.0, False)
    assert checks["home page, cold ms"].met


def complete(cases: int, rps: dict[str, float] = ALL_MET) -> dict:
    """A size with every figure the run makes: load, cached, cold, rebuild, export,
    publish to visible."""
    data = size(cases, rps, cached=900.0)
    data["cold_ms"] = {f"/en/cases/?q=w{i}": 20.0 for i in range(50)}
    data["dataset"]["rebuild_s"] = 5.0
    data["export"] = {
        "rows": cases * 85 // 100,
        "bytes": 4_000_000,
        "seconds": 0.1,
        "mb_per_s": 40.0,
        "ceiling_mb_per_s": 800.0,
        "ratio": 0.05,
        "memory_growth_mb": 10.0,
    }
    data["publish"] = {
        "trials": [0.1, 0.2, 0.15, 0.1, 0.12],
        "seconds": 0.2,
        "streak": 24,
        "workers": 4,
    }
    return data


def test_every_target_is_judged_at_every_size():
    data = results(complete(1_000), complete(10_000), complete(100_000))

    checks = report.evaluate(data)

    smallest = set(by_name(checks, 1_000))
    assert set(by_name(checks, 10_000)) == set(by_name(checks, 100_000))
    # The larger sizes add only the scale target, which compares them with 1,000.
    assert {name for name in by_name(checks, 100_000) if name not in smallest} == {
        f"{e.label}: ratio / ratio at 1,000" for e in ENDPOINTS if e.scale
    }
    for expected in (
        "cold questions (bench/questions.py): p50 ms",
        "cold questions (bench/questions.py): max ms",
        "case page, cold ms",
        "case page, not cached, ratio (case/city page)",
        "case list, unfiltered, not cached, ratio (faceted list)",
        "API statistics, cached, ratio",
        "ranked search over the icontains baseline, cold in-process (times)",
        "publish to visible in search, every worker: seconds (slowest of the trials)",
        "publish to visible: gunicorn workers that answered the polls",
        "search index rebuild: seconds",
        "CSV export of every published case: MB/s",
        "CSV export of every published case: worker memory growth (MB)",
    ):
        assert expected in smallest, expected
    assert all(check.met for check in checks), [c for c in checks if not c.met]


def test_the_targets_table_has_a_value_and_a_verdict_for_each_size():
    small, large = complete(1_000), complete(100_000, {**ALL_MET, "list": 60.0})
    large["publish"]["seconds"] = 1.4
    data = results(small, large)

    markdown = report.render_markdown(data, report.evaluate(data))

    lines = markdown.splitlines()
    assert "| target | needed | 1,000 | verdict | 100,000 | verdict |" in lines
    assert (
        "| case list, unfiltered, not cached, ratio (faceted list) | >= 0.15 "
        "| 0.150 | met | 0.060 | MISSED |"
    ) in lines
    assert (
        "| case list, unfiltered: ratio / ratio at 1,000 | >= 0.5 | – |  "
        "| 0.400 | MISSED |"
    ) in lines
    assert (
        "| publish to visible in search, every worker: seconds (slowest of the "
        "trials) | <= 1 | 0.200 | met | 1.400 | MISSED |"
    ) in lines
    assert (
        "| publish to visible: gunicorn workers that answered the polls | >= 2 "
        "| 4 | met | 4 | met |"
    ) in lines
    total = len(by_name(report.evaluate(data), 1_000))
    assert f"Targets met: {total} of {total} at 1,000; " in markdown
    # Each size has its own tables, cached included, and a row in the export's and
    # the publish's.
    assert "## 1,000 cases, cached (the same URL every time)" in lines
    assert "## 100,000 cases, cached (the same URL every time)" in lines
    assert (
        "| 1,000 | 850 | 3.8 MB | 0.10 | 40.0 | 800.0 | 0.050 | >= 20 | met "
        "| 10.0 MB | < 100 MB | met |"
    ) in lines
    assert "| 100,000 | 0.100, 0.200, 0.150, 0.100, 0.120 | 1.400 | <= 1 | MISSED " in (
        markdown
    )


def test_publish_to_visible_must_reach_two_workers_within_a_second():
    data = complete(100_000)
    data["publish"].update(seconds=1.001, workers=1)

    checks = by_name(report.evaluate(results(data)))

    slowest = checks[
        "publish to visible in search, every worker: seconds (slowest of the trials)"
    ]
    workers = checks["publish to visible: gunicorn workers that answered the polls"]
    assert (slowest.met, workers.met) == (False, False)
    data["publish"].update(seconds=1.0, workers=2)
    checks = by_name(report.evaluate(results(data)))
    assert checks[
        "publish to visible in search, every worker: seconds (slowest of the trials)"
    ].met
    assert checks["publish to visible: gunicorn workers that answered the polls"].met


def test_a_time_exactly_at_its_ceiling_is_met():
    data = size(100_000, ALL_MET)
    data["cold_ms"] = {"/en/cases/?q=a": 30.0, "/en/cases/?q=b": 30.0}

    checks = by_name(report.evaluate(results(data)))

    assert checks["cold questions (bench/questions.py): p50 ms"].met is True

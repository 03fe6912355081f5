"""The harness's reading of wrk: bench/wrk.py (no wrk, no database)."""

import pytest

from bench import wrk

OUTPUT = """Running 2s test @ http://127.0.0.1:8123
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.00ms    2.00ms  40.00ms   90.00%
  3000 requests in 2.00s, 30.00MB read
Requests/sec:   1500.00
BENCH_JSON {"requests": 3000, "duration_us": 2000000, "bytes": 31457280, "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}, "latency_us": {"min": 900, "mean": 10000.0, "max": 40000, "p50": 9500, "p90": 14000, "p95": 16000, "p99": 31000}}
"""


def test_parse_reads_throughput_and_percentiles_in_milliseconds():
    measured = wrk.parse(OUTPUT, connections=16)

    assert measured == wrk.Measurement(
        requests=3000,
        seconds=2.0,
        rps=1500.0,
        p50_ms=9.5,
        p95_ms=16.0,
        p99_ms=31.0,
        max_ms=40.0,
        bytes=31457280,
        connections=16,
    )


def test_parse_fails_loudly_on_non_2xx_answers():
    failed = OUTPUT.replace('"status": 0', '"status": 12')

    with pytest.raises(wrk.WrkError, match="status': 12"):
        wrk.parse(failed, connections=16)


def test_parse_fails_on_timeouts_and_socket_errors():
    failed = OUTPUT.replace('"timeout": 0', '"timeout": 3').replace(
        '"read": 0', '"read": 1'
    )

    with pytest.raises(wrk.WrkError, match="'read': 1, 'timeout': 3"):
        wrk.parse(failed, connections=16)


def test_parse_fails_when_no_request_completed():
    nothing = OUTPUT.replace('"requests": 3000', '"requests": 0')

    with pytest.raises(wrk.WrkError, match="no request"):
        wrk.parse(nothing, connections=16)


def test_parse_fails_without_the_scripts_result_line():
    with pytest.raises(wrk.WrkError, match="no result line"):
        wrk.parse(
            "unable to connect to 127.0.0.1:8123 Connection refused\n", connections=16
        )


def test_parse_takes_the_last_result_line():
    twice = OUTPUT + OUTPUT.splitlines()[-1].replace(
        '"requests": 3000', '"requests": 10'
    )

    assert wrk.parse(twice, connections=16).requests == 10


def test_command_passes_the_path_and_the_cache_busting_flag_to_the_script():
    command = wrk.command(
        "http://127.0.0.1:8123",
        "/en/cases/?q=digital",
        threads=2,
        connections=16,
        seconds=2.4,
        unique=True,
    )

    assert command[:5] == [
        "wrk",
        "--threads=2",
        "--connections=16",
        "--duration=2s",
        "--timeout=30s",
    ]
    assert command[5].endswith("bench/report.lua")
    assert command[6:] == [
        "http://127.0.0.1:8123",
        "--",
        "/en/cases/?q=digital",
        "1",
        "1",
    ]


def test_command_asks_for_at_least_one_second():
    command = wrk.command(
        "http://h", "/", threads=1, connections=1, seconds=0.2, unique=False
    )

    assert "--duration=1s" in command
    assert command[-2] == "0"


def test_lua_script_prints_the_marker_the_parser_reads():
    assert wrk.MARKER.strip() in wrk.LUA_SCRIPT.read_text()


@pytest.mark.parametrize(
    ("share", "expected"), [(0.5, 50.0), (0.95, 95.0), (0.99, 99.0), (1.0, 100.0)]
)
def test_percentile_is_the_nearest_rank(share, expected):
    assert wrk.percentile([float(n) for n in range(100, 0, -1)], share) == expected


def test_percentile_of_one_value_is_that_value():
    assert wrk.percentile([3.0], 0.99) == 3.0


def test_from_latencies_measures_a_closed_loop_run():
    measured = wrk.from_latencies(
        [2.0, 4.0, 3.0, 5.0], seconds=8.0, nbytes=4000, connections=2
    )

    assert measured == wrk.Measurement(
        requests=4,
        seconds=8.0,
        rps=0.5,
        p50_ms=3000.0,
        p95_ms=5000.0,
        p99_ms=5000.0,
        max_ms=5000.0,
        bytes=4000,
        connections=2,
    )


def test_from_latencies_refuses_an_empty_run():
    with pytest.raises(wrk.WrkError):
        wrk.from_latencies([], seconds=1.0, nbytes=0, connections=1)

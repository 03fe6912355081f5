"""Running wrk and reading what bench/report.lua prints."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("report.lua")
MARKER = "BENCH_JSON "


class WrkError(RuntimeError):
    """wrk did not run, or its run is worthless (errors, non-2xx answers, nothing)."""


@dataclass(frozen=True)
class Measurement:
    """One load run: throughput and latency percentiles (milliseconds)."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    bytes: int
    connections: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def command(
    base_url: str,
    path: str,
    *,
    threads: int,
    connections: int,
    seconds: float,
    unique: bool,
    timeout_s: int = 30,
) -> list[str]:
    """The wrk command line; `unique` gives every request its own URL (no cache hit)."""
    return [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={timeout_s}s",
        f"--script={LUA_SCRIPT}",
        base_url,
        "--",
        path,
        "1" if unique else "0",
        "1",
    ]


def parse(stdout: str, *, connections: int) -> Measurement:
    """The measurement in wrk's output; WrkError if any request failed or none ran.

    wrk counts answers of 400 and above as `status` errors; the harness checks each URL
    answers 200 before the run, so a 3xx cannot pass unnoticed either.
    """
    lines = [line for line in stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise WrkError(f"wrk printed no result line:\n{stdout[-2000:]}")
    data = json.loads(lines[-1][len(MARKER) :])
    errors = {name: n for name, n in data["errors"].items() if n}
    if errors:
        raise WrkError(f"{data['requests']} requests, errors: {errors}")
    if data["requests"] == 0:
        raise WrkError("wrk completed no request in the time given")
    seconds = data["duration_us"] / 1e6
    latency = data["latency_us"]
    return Measurement(
        requests=data["requests"],
        seconds=round(seconds, 3),
        rps=round(data["requests"] / seconds, 2),
        p50_ms=latency["p50"] / 1000,
        p95_ms=latency["p95"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        bytes=data["bytes"],
        connections=connections,
    )


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil, at least the first
    return ordered[int(rank) - 1]


def from_latencies(
    latencies_s: list[float], *, seconds: float, nbytes: int, connections: int
) -> Measurement:
    """A measurement made without wrk (the slow baseline): from each request's time."""
    if not latencies_s:
        raise WrkError("no request completed")
    ms = [latency * 1000 for latency in latencies_s]
    return Measurement(
        requests=len(ms),
        seconds=round(seconds, 3),
        rps=round(len(ms) / seconds, 4),
        p50_ms=round(percentile(ms, 0.50), 3),
        p95_ms=round(percentile(ms, 0.95), 3),
        p99_ms=round(percentile(ms, 0.99), 3),
        max_ms=round(max(ms), 3),
        bytes=nbytes,
        connections=connections,
    )

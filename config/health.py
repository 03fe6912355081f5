"""`/healthz` and `/readyz`: the probes of a load balancer, docker-compose or an
orchestrator.

- `/healthz`: the process is alive and answers. It touches nothing else, so a slow
  database never gets a healthy process restarted.
- `/readyz`: the process can serve: the database answers, and the search index is open,
  with how many journal entries it has still to apply (its lag). 503 when either fails,
  so that the node is taken out of rotation until it recovers. The cache is reported
  too, but a cache that does not answer leaves the node ready: the site then answers
  uncached (config/redis_cache.py).

They are answered by the first middleware, before the host check, the HTTPS redirect,
the session and the page cache: a probe asks by the node's own address over plain HTTP,
and its answer must never be stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.log import log_response

from innovation_cases.engine import journal

# How long a load balancer is asked to wait before it tries a node that is not ready.
RETRY_AFTER_SECONDS = 5


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Whether this process can serve, and what each dependency said."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"status": "ok"}
    except DatabaseError as error:
        checks["database"] = {"status": "error", "error": type(error).__name__}

    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, 1, 10)
    answered = cache.get(key) == 1
    cache.delete(key)
    checks["cache"] = {"status": "ok" if answered else "degraded"}

    try:
        state = journal.status()
    except DatabaseError as error:
        checks["search_index"] = {"status": "error", "error": type(error).__name__}
    else:
        if state["state"] is None:
            checks["search_index"] = {
                "status": "error",
                "error": "No search index: run `manage.py search_index sync`.",
            }
        else:
            checks["search_index"] = {"status": "ok", "pending": state["pending"]}

    ready = all(checks[name]["status"] == "ok" for name in ("database", "search_index"))
    return ready, checks


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _no_store(JsonResponse({"status": "alive"}))


def readyz(request: HttpRequest) -> HttpResponse:
    ready, checks = readiness()
    response = JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # An expected answer while a dependency is down: a warning that names what
        # failed, instead of the error line Django writes for any 5xx.
        failed = ", ".join(
            name for name, check in checks.items() if check["status"] == "error"
        )
        log_response(
            "Not ready: %s",
            failed,
            response=response,
            request=request,
            level="warning",
        )
    return _no_store(response)


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
}


class HealthProbeMiddleware:
    """Answers the probes' GET and HEAD; passes every other request on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)

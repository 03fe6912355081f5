"""Django's Redis cache backend, with one Redis client per connection pool, and an
outage that costs the site its cache, never its answers.

One client per pool: Django's `RedisCacheClient.get_client()` builds a new
`redis.Redis` for every cache operation, and each build copies redis-py's table of about
170 response callbacks: about 0.2 ms, more than the operation itself on a page-cache
hit. A `redis.Redis` is only a handle on its connection pool and safe to share, so this
keeps one per pool.

An outage: when Redis fails (refused, timed out, or any other redis-py error), every
cache call answers as an empty cache would (`get` the default, `get_many` nothing, `add`
and `delete` False, `set` nothing, `incr` ValueError), so every user of the cache
carries on without it: the page cache computes what it would have
read, and DRF's throttles, which keep their counts here, find no history and let the
request through. **Throttling fails open**, deliberately: the throttles spread the API's
capacity between clients and are no security boundary (log-in failures are counted in
the database by django-axes, and tokens are too long to guess), so refusing every
request while Redis is down would turn a cache outage into an API outage.

After a failure, no call goes to Redis for RETRY_SECONDS: the calls of that time answer
at once, as an empty cache, and then one call tries Redis again (the other threads keep
skipping until it knows). So a Redis that is down, or a host that drops packets, costs
at most one request in RETRY_SECONDS a wait of the client's timeout (CONNECT_TIMEOUT or
SOCKET_TIMEOUT, far shorter than redis-py's 5 s), not every request every call. The
outage is logged once when it starts, then at most once in WARNING_SECONDS while it
lasts, by each process; its end once, when Redis answers again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from functools import partial
from time import monotonic
from typing import Any, cast

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis import ConnectionPool, Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Redis answers in well under a millisecond on its own network; a server that takes
# longer than these is treated as down (a timeout is a failure like any other).
CONNECT_TIMEOUT = 0.5
SOCKET_TIMEOUT = 1.0
RETRY_SECONDS = 5.0
WARNING_SECONDS = 60.0


class Health:
    """Whether one Redis server answers, as this process saw it last: shared by the
    process's threads (Django gives each thread a backend of its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._warned_at: float | None = None
        self._skipped = 0

    def should_try(self) -> bool:
        """False while backing off after a failure. Once the back-off is over, True
        for one call, which tries Redis; the others still back off until it fails
        (a new back-off) or succeeds (no outage)."""
        if self._down_since is None:
            return True  # The usual case, without the lock.
        with self._lock:
            if self._down_since is None:
                return True
            now = monotonic()
            if now < self._retry_at:
                self._skipped += 1
                return False
            self._retry_at = now + RETRY_SECONDS
            return True

    def failed(self, error: RedisError) -> None:
        with self._lock:
            now = monotonic()
            if self._down_since is None:
                self._down_since = now
            self._retry_at = now + RETRY_SECONDS
            if self._warned_at is not None and now - self._warned_at < WARNING_SECONDS:
                return
            logger.warning(
                "The Redis cache is unavailable (%s: %s): serving without the cache, "
                "and trying Redis again every %g s. Down for %.0f s; %d cache calls "
                "skipped since the last warning.",
                type(error).__name__,
                error,
                RETRY_SECONDS,
                now - self._down_since,
                self._skipped,
            )
            self._warned_at = now
            self._skipped = 0

    def answered(self) -> None:
        if self._down_since is None:
            return  # The usual case, without the lock.
        with self._lock:
            if self._down_since is None:
                return
            logger.info(
                "The Redis cache answers again, after %.0f s without it.",
                monotonic() - self._down_since,
            )
            self._down_since = self._warned_at = None
            self._skipped = 0


# One per server (LOCATION), whichever thread's backend uses it.
_health: dict[str, Health] = {}


class RedisCacheClient(django_redis.RedisCacheClient):
    # Django's, private, which django-stubs leaves out.
    _client: type[Redis]
    _get_connection_pool_index: Callable[[bool], int]
    _get_connection_pool: Callable[[bool], ConnectionPool]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(django_redis.RedisCache):
    """Django's RedisCache, on RedisCacheClient, answering as an empty cache while
    Redis is unavailable (see the module's docstring)."""

    # Django's, private, which django-stubs leaves out.
    _servers: list[str]
    _options: dict[str, Any]

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
        # OPTIONS go to redis-py's connection pool: they may set other timeouts.
        self._options = {
            "socket_connect_timeout": CONNECT_TIMEOUT,
            "socket_timeout": SOCKET_TIMEOUT,
            **self._options,
        }
        self._health = _health.setdefault(";".join(self._servers), Health())

    def _call[T](self, operation: Callable[[], T], fallback: T) -> T:
        """`operation()`, or `fallback` if Redis fails or is being left alone."""
        if not self._health.should_try():
            return fallback
        try:
            result = operation()
        except RedisError as error:
            self._health.failed(error)
            return fallback
        self._health.answered()
        return result

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._call(partial(super().add, key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call(partial(super().get, key, default, version), default)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._call(partial(super().set, key, value, timeout, version), None)

    def touch(
        self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._call(partial(super().touch, key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._call(partial(super().delete, key, version), False)

    def get_many(self, keys: Iterable[Any], version: Any = None) -> dict[Any, Any]:
        return self._call(partial(super().get_many, keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._call(partial(super().has_key, key, version), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        result = self._call(partial(super().incr, key, delta, version), None)
        if result is None:
            # As for any key the cache does not hold (decr() comes here too).
            raise ValueError(f"Key {key!r} not found: the cache is unavailable.")
        return result

    def count_in_window(
        self, key: Any, seconds: int, version: Any = None
    ) -> int | None:
        """Add one to the counter `key`, made to expire `seconds` after its first
        count, and return it: INCR and EXPIRE NX in one round trip (the API's
        throttles, config/throttling.py). None while Redis is unavailable."""
        redis_key = self.make_and_validate_key(key, version=version)

        def count() -> int:
            client = self._cache.get_client(redis_key, write=True)
            pipeline = client.pipeline(transaction=False)
            pipeline.incr(redis_key)
            pipeline.expire(redis_key, seconds, nx=True)
            return int(pipeline.execute()[0])

        return self._call(count, None)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        # The keys that could not be stored: all of them.
        return self._call(partial(super().set_many, data, timeout, version), list(data))

    def delete_many(self, keys: Iterable[Any], version: Any = None) -> None:
        self._call(partial(super().delete_many, keys, version), None)

    # Django's RedisCache.clear() answers FLUSHDB's bool; django-stubs types it as
    # BaseCache.clear()'s None.
    def clear(self) -> bool:  # type: ignore[override]
        return self._call(cast("Callable[[], bool]", super().clear), False)

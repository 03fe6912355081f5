"""The API's throttles count in fixed windows, one counter per client and window, in one
round trip to Redis (config/throttling.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from config.redis_cache import RedisCache
from config.throttling import AnonRateThrottle, UserRateThrottle
from tests.factories import UserFactory


@pytest.fixture
def redis() -> Any:
    backend = RedisCache("redis://127.0.0.1:6379/9", {})
    backend.clear()
    if not backend.add("probe", 1):
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield backend
    backend.clear()


def a_request(user: Any = None, address: str = "192.0.2.7") -> Request:
    request = Request(RequestFactory().get("/api/v1/cases/", REMOTE_ADDR=address))
    request.user = user or AnonymousUser()
    return request


def throttle(cls: type[SimpleRateThrottle], cache: Any, rate: str, now: list[float]):
    instance = cls()
    instance.cache = cache
    instance.rate = rate
    instance.num_requests, instance.duration = instance.parse_rate(rate)
    instance.timer = lambda: now[0]
    return instance


def test_a_counter_is_one_round_trip_and_expires_with_its_window(redis, monkeypatch):
    calls = []
    client = redis._cache.get_client(write=True)
    execute = type(client.pipeline()).execute
    monkeypatch.setattr(
        type(client.pipeline()),
        "execute",
        lambda self, *a, **k: (
            calls.append(len(self.command_stack)) or execute(self, *a, **k)
        ),
    )
    assert [redis.count_in_window("w", 60) for _ in range(3)] == [1, 2, 3]
    assert calls == [2, 2, 2]  # INCR and EXPIRE, sent together
    ttl = client.ttl(redis.make_and_validate_key("w"))
    assert 0 < ttl <= 60


@pytest.mark.parametrize("cache", ["redis", "locmem"])
def test_a_client_gets_its_rate_per_window_then_waits_for_the_next(
    cache, redis, request
):
    from django.core.cache import caches

    store = redis if cache == "redis" else caches["default"]
    now = [1_000_040.0]  # 20 s into a minute (1,000,020 is a multiple of 60)
    anon = throttle(AnonRateThrottle, store, "3/minute", now)
    answers = [anon.allow_request(a_request(), None) for _ in range(4)]
    assert answers == [True, True, True, False]
    assert anon.wait() == pytest.approx(40.0)
    # Another client has its own counter.
    assert anon.allow_request(a_request(address="192.0.2.8"), None)
    now[0] += 40.0  # the next minute
    assert anon.allow_request(a_request(), None)


@pytest.mark.django_db
def test_the_user_throttle_counts_users_and_leaves_anonymous_clients_to_the_anon_one(
    redis,
):
    now = [1_000_000.0]
    user_throttle = throttle(UserRateThrottle, redis, "1/minute", now)
    assert all(user_throttle.allow_request(a_request(), None) for _ in range(5))
    user = UserFactory()
    assert user_throttle.allow_request(a_request(user), None)
    assert not user_throttle.allow_request(a_request(user), None)

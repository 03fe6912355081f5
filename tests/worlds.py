"""Worlds made once a module, for the tests that only read them.

Making a world of records with the factories costs a tenth or two of a second; a module
of parametrized tests that each made the same one spent most of its time doing so.
`made_once(django_db_blocker)` opens a transaction for the module's world, rolled back
after the module's last test; pytest-django runs each test in a savepoint inside it, so
what a test writes is undone after it, as with TestCase.setUpTestData. Each test gets
`fresh_copy(world)`: the same rows, as new Python objects, so that a test that changes
an object in memory changes nobody else's (as setUpTestData's TestData does).

Not for a module with a transactional test (it would find the world's transaction
open), and each test still has a search index of its own (tests/conftest.py), built
from the world and its own writes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction


@contextmanager
def made_once(django_db_blocker: Any) -> Iterator[None]:
    """A block whose writes stay for the module's tests and are rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def fresh_copy[T](world: T) -> T:
    return copy.deepcopy(world)

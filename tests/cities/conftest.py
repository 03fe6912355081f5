"""Ghent, and an officer of Ghent logged in: the workspace's city-profile tests."""

import pytest

from tests.factories import CityFactory, MembershipFactory


@pytest.fixture
def ghent():
    return CityFactory(name="Ghent", slug="ghent")


@pytest.fixture
def officer(client, ghent):
    user = MembershipFactory(city=ghent).user
    client.force_login(user)
    return user

"""Who is served a case image: everyone for a published case's, only the members of
the case's city for the others, and a 404 that confirms nothing for the rest (issue 14,
defect 6)."""

import io

import pytest
from PIL import Image

from innovation_cases import images
from innovation_cases.models import CaseRevision, CaseStudy
from tests.innovation_cases.conftest import case_in

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


def stored_image() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 500), (200, 60, 30)).save(buffer, "PNG")
    buffer.seek(0)
    return images.process_upload(buffer)


def urls_of(name: str) -> list[str]:
    return [rendition.url for rendition in images.renditions(name)]


def with_image(city, status):
    return case_in(city, status, image=stored_image(), image_alt="A lab")


def propose_image(case, by) -> tuple[CaseRevision, str]:
    """A revision of a published case that changes only its image."""
    name = stored_image()
    values = {field: getattr(case, field) for field in CaseRevision.FIELDS}
    revision = CaseRevision.propose(case=case, by=by, values={**values, "image": name})
    return revision, name


def proposed_image(people) -> str:
    """The image of a pending revision of a published case of city A."""
    case = with_image(people["city_a"], S.PUBLISHED)
    return propose_image(case, people["officer_a"])[1]


def get(client, url, user=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def assert_served_privately(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert {"private", "no-store"} <= {
        token.strip() for token in response["Cache-Control"].split(",")
    }


def assert_hidden(response):
    # The same answer as for an address where nothing was ever stored, and one that no
    # shared cache keeps: the city's members get the image at the same address.
    assert response.status_code == 404
    assert "image" not in response.get("Content-Type", "")
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def unpublished(people):
    """The image names of city A's cases that the public must not see."""
    return {
        "draft": with_image(people["city_a"], S.DRAFT).image.name,
        "submitted": with_image(people["city_a"], S.SUBMITTED).image.name,
        "changes requested": with_image(
            people["city_a"], S.CHANGES_REQUESTED
        ).image.name,
        "archived": with_image(people["city_a"], S.ARCHIVED).image.name,
        "pending revision": proposed_image(people),
    }


def test_a_published_cases_image_is_served_to_anyone_and_may_be_cached(client, people):
    name = with_image(people["city_a"], S.PUBLISHED).image.name

    for url in urls_of(name):
        response = get(client, url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        cache_control = {t.strip() for t in response["Cache-Control"].split(",")}
        assert "public" in cache_control and "max-age=86400" in cache_control


def test_an_unpublished_image_is_a_404_for_the_public(client, unpublished):
    for state, name in unpublished.items():
        for url in urls_of(name):
            assert get(client, url).status_code == 404, state
            assert_hidden(get(client, url))


def test_an_unpublished_image_is_served_privately_to_the_citys_members(
    client, people, unpublished
):
    for user in (people["officer_a"], people["reviewer_a"], people["staff"]):
        for state, name in unpublished.items():
            for url in urls_of(name):
                response = get(client, url, user)
                assert response.status_code == 200, (user, state)
                assert_served_privately(response)


def test_an_unpublished_image_is_a_404_for_another_citys_officer(
    client, people, unpublished
):
    for state, name in unpublished.items():
        for url in urls_of(name):
            assert get(client, url, people["officer_b"]).status_code == 404, state


def test_archiving_a_case_withdraws_its_image(client, people):
    case = with_image(people["city_a"], S.PUBLISHED)
    url = case.image_renditions[0].url
    assert get(client, url).status_code == 200

    case.archive(by=people["reviewer_a"])

    assert_hidden(get(client, url))
    assert_served_privately(get(client, url, people["officer_a"]))


def test_an_image_replaced_by_an_approved_revision_is_withdrawn(client, people):
    case = with_image(people["city_a"], S.PUBLISHED)
    old = case.image.name
    revision, new = propose_image(case, people["officer_a"])
    assert get(client, urls_of(new)[0]).status_code == 404

    revision.approve(by=people["reviewer_a"])

    assert get(client, urls_of(new)[0]).status_code == 200
    assert_hidden(get(client, urls_of(old)[0]))


def test_a_replaced_image_stays_public_while_another_published_case_uses_it(
    client, people
):
    shared = stored_image()
    case_in(people["city_b"], S.PUBLISHED, image=shared, image_alt="A lab")
    case_in(people["city_a"], S.ARCHIVED, image=shared, image_alt="A lab")

    assert get(client, urls_of(shared)[0]).status_code == 200


def test_anything_but_a_stored_rendition_is_a_404(client, people):
    name = with_image(people["city_a"], S.PUBLISHED).image.name
    folder = name.rsplit("/", 1)[0]
    for path in (
        f"{folder}/123x45.webp",  # the right folder, no such rendition
        f"{folder}/../{name.rsplit('/', 1)[1]}",
        "cases/00/00000000000000000000000000000000/400x222.webp",
        "cases/readme.txt",
    ):
        assert_hidden(get(client, f"/media/{path}", people["staff"]))


def test_with_an_accelerating_web_server_django_checks_and_hands_the_file_over(
    client, people, settings
):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    public = with_image(people["city_a"], S.PUBLISHED).image.name
    draft = with_image(people["city_a"], S.DRAFT).image.name

    response = get(client, urls_of(public)[0])
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + (
        images.renditions(public)[0].name
    )
    assert response.content == b""
    assert "public" in response["Cache-Control"]

    assert_hidden(get(client, urls_of(draft)[0]))
    response = get(client, urls_of(draft)[0], people["officer_a"])
    assert response["X-Accel-Redirect"].endswith(images.renditions(draft)[0].name)
    assert_served_privately(response)


def test_the_deploy_check_warns_when_django_does_not_see_image_requests(settings):
    from django.core import checks

    settings.SERVE_MEDIA = False
    found = checks.run_checks(include_deployment_checks=True)
    assert "innovation_cases.W001" in [message.id for message in found]

    settings.SERVE_MEDIA = True
    found = checks.run_checks(include_deployment_checks=True)
    assert "innovation_cases.W001" not in [message.id for message in found]

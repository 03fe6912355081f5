"""A case image's renditions: every URL the page and the API give is a stored file of
the size they say, whatever the photo's shape (issue 14, defect 9)."""

import io
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from innovation_cases import images
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory

pytestmark = pytest.mark.django_db

# Camera and phone photos (3:2, 4:3 upright), scans, screens, squares, the smallest
# upload taken, and shapes far from any of these.
PHOTO_SIZES = [
    (3000, 2000),
    (6000, 4000),
    (5472, 3648),
    (3024, 4032),
    (2048, 1365),
    (1920, 1080),
    (1000, 1000),
    (400, 300),
    (321, 181),
    (1601, 1067),
    (320, 7000),  # very tall
    (8000, 180),  # very wide
]


def upload(width: int, height: int) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, "JPEG", quality=60)
    buffer.seek(0)
    return buffer


class ImageTags(HTMLParser):
    """The attributes of each <img> on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


def pixel_size(client, url: str) -> tuple[int, int]:
    """Fetch a rendition as the browser would, and open what comes back."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "image/webp"
    body = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "WEBP"
        return image.size


@pytest.mark.parametrize(
    ("width", "height"), PHOTO_SIZES, ids=[f"{w}x{h}" for w, h in PHOTO_SIZES]
)
def test_every_rendition_the_page_and_the_api_name_is_served_at_its_size(
    client, width, height
):
    case = CaseStudyFactory(
        published=True,
        image=images.process_upload(upload(width, height)),
        image_alt="A street lab",
    )

    page = client.get(case.get_absolute_url())
    assert page.status_code == 200
    parser = ImageTags()
    parser.feed(page.content.decode())
    [img] = [i for i in parser.images if i.get("alt") == "A street lab"]
    srcset = [item.rsplit(" ", 1) for item in img["srcset"].split(", ")]
    assert len(srcset) == len(case.image_renditions) >= 1
    for url, descriptor in srcset:
        assert pixel_size(client, url)[0] == int(descriptor.removesuffix("w"))
    # The width and height the page writes are those of the image it shows first.
    assert pixel_size(client, img["src"]) == (int(img["width"]), int(img["height"]))

    api = client.get(f"/api/v1/cases/{case.slug}/", HTTP_ACCEPT="application/json")
    renditions = api.json()["image"]["renditions"]
    assert [r["url"].removeprefix("http://testserver") for r in renditions] == [
        url for url, _ in srcset
    ]
    for rendition in renditions:
        assert pixel_size(client, rendition["url"]) == (
            rendition["width"],
            rendition["height"],
        )
    # Never wider than the photo, nor than the largest rendition width.
    assert renditions[-1]["width"] == min(width, images.RENDITION_WIDTHS[-1])


def test_the_stored_files_are_exactly_the_renditions_listed():
    name = images.process_upload(upload(3000, 2000))
    folder = name.rsplit("/", 1)[0]

    _, files = default_storage.listdir(folder)

    assert sorted(files) == sorted(
        r.name.rsplit("/", 1)[1] for r in images.renditions(name)
    )
    assert [(r.width, r.height) for r in images.renditions(name)] == [
        (400, 267),
        (800, 534),
        (1600, 1067),
    ]


def store_as_the_old_code_did(width: int, height: int) -> str:
    """The renditions of a width × height photo as images.py stored them before
    issue 14: each height rounded from the original's, not from the largest's."""
    token = "0123456789abcdef0123456789abcdef"
    folder = f"cases/{token[:2]}/{token}"
    largest = min(width, 1600)
    name = ""
    for w in sorted({largest, *(w for w in (400, 800, 1600) if w < largest)}):
        h = max(1, round(height * w / width))
        buffer = io.BytesIO()
        Image.new("RGB", (w, h), (40, 90, 160)).save(buffer, "WEBP")
        name = default_storage.save(
            f"{folder}/{w}x{h}.webp", ContentFile(buffer.getvalue())
        )
    return name


def test_images_stored_by_the_old_code_are_completed(client):
    name = store_as_the_old_code_did(3000, 2000)  # 400x267, 800x533, 1600x1067
    case = CaseStudyFactory(published=True, image=name, image_alt="Old")
    assert client.get(case.image_renditions[1].url).status_code == 404  # 800x534

    completed = images.complete_stored_renditions()

    assert completed == [f"{name.rsplit('/', 1)[0]}/800x534.webp"]
    for rendition in CaseStudy.objects.get(pk=case.pk).image_renditions:
        assert pixel_size(client, rendition.url) == (rendition.width, rendition.height)
    # A second run finds nothing left to do.
    assert images.complete_stored_renditions() == []

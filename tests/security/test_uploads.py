"""Uploads that are not what they claim, through every file field of the site's forms
(the case editor's image is the only one: `test_the_case_image_is_the_only_upload`
fails when a form gains another): each is refused next to the field with nothing
stored, or, being an image after all, stored only as the WebP renditions the site
makes, without a byte of what was appended to it.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django import forms
from django.contrib import admin
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from innovation_cases.forms import CaseForm
from workspace.profiles import KINDS, CityRecordForm

from .corpus import XSS, assert_unchanged, form_data, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">'
    b"<script>alert(1)</script></svg>"
)


def image(kind: str = "PNG", size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, kind)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header says `width` x `height` pixels: a
    decompression bomb, if anything believed it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # A few rows of zeros, compressed: the rest of the image is missing.
    data = zlib.compress(b"\x00" * (width * 3 + 1) * 2)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


def jpeg_zip_polyglot() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.html", HTML)
    return image("JPEG") + archive.getvalue()


# (name, file name, bytes): refused, each next to the field.
REFUSED = {
    "html-as-png": ("photo.png", HTML),
    "svg-as-png": ("photo.png", SVG),
    "svg": ("photo.svg", SVG),
    "bomb-50000x50000": ("bomb.png", png_declaring(50_000, 50_000)),
    "bomb-over-the-site-limit": ("bomb.png", png_declaring(10_000, 6_000)),
    "truncated-png": ("photo.png", image()[:400]),
    "truncated-jpeg": ("photo.jpg", image("JPEG")[:300]),
    "gif-with-html": ("photo.png", image("GIF") + HTML),
    "zero-bytes": ("photo.png", b""),
    "too-small": ("photo.png", image(size=(32, 32))),
    "pdf": ("photo.png", b"%PDF-1.4\n" + HTML),
}
# Images after all, whatever they carry or are called: stored only as the site's
# own renditions.
ACCEPTED = {
    "png-with-html": ("photo.png", image() + HTML),
    "jpeg-zip-polyglot": ("photo.jpg", jpeg_zip_polyglot()),
    "png-named-html": (f"{XSS}.html", image()),
    "png-named-exe": ("../../photo.exe", image()),
}


def test_the_case_image_is_the_only_upload():
    """The file fields of every form of the workspace and of the admin."""
    found = {
        f"CaseForm.{name}"
        for name, field in CaseForm.base_fields.items()
        if isinstance(field, forms.FileField)
    }
    for kind in KINDS.values():
        form = forms.modelform_factory(
            kind.model, form=CityRecordForm, fields=kind.fields
        )
        found |= {
            f"{kind.key}.{name}"
            for name, field in form.base_fields.items()
            if isinstance(field, forms.FileField)
        }
    for model in admin.site._registry:
        found |= {
            f"admin.{model._meta.label}.{field.name}"
            for field in model._meta.fields
            if field.get_internal_type() in {"FileField", "ImageField"}
            and field.editable
            and field.name in (admin.site._registry[model].fields or [])
        }
    assert found == {"CaseForm.image_file"}


@pytest.fixture
def editor(client, world):
    """The officer's client and what saving the draft's editor unchanged sends."""
    client.force_login(world.officer.user)
    url = reverse("workspace:case_edit", args=[world.case.slug])
    data = {
        name: values if len(values) > 1 else values[0]
        for name, values in form_data(client.get(url).content.decode()).items()
    }
    data["image_alt"] = "What the image shows."
    return client, url, data


def stored_files() -> list[str]:
    if not default_storage.exists("cases"):
        return []
    found = []
    for prefix in default_storage.listdir("cases")[0]:
        for token in default_storage.listdir(f"cases/{prefix}")[0]:
            folder = f"cases/{prefix}/{token}"
            found += [f"{folder}/{name}" for name in default_storage.listdir(folder)[1]]
    return found


def upload(name: str, content: bytes) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


@pytest.mark.parametrize("upload_id", list(REFUSED))
def test_an_upload_that_is_not_an_image_is_refused_next_to_the_field(
    editor, world, upload_id
):
    client, url, data = editor
    before = snapshot(world.case)

    response = client.post(url, {**data, "image_file": upload(*REFUSED[upload_id])})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["image_file"], errors
    assert 'id="id_image_file_error"' in response.content.decode()
    assert_unchanged(before, world.case)
    assert stored_files() == []


def test_an_upload_over_the_size_limit_is_refused(editor, world, settings):
    settings.CASE_IMAGE_MAX_BYTES = len(image()) - 1
    client, url, data = editor
    before = snapshot(world.case)

    response = client.post(url, {**data, "image_file": upload("big.png", image())})

    assert response.status_code == 400
    assert "larger than" in str(response.context["form"].errors["image_file"])
    assert_unchanged(before, world.case)


@pytest.mark.parametrize("upload_id", list(ACCEPTED))
def test_an_image_that_carries_something_else_is_stored_as_the_sites_own_renditions(
    editor, world, upload_id
):
    client, url, data = editor
    name, content = ACCEPTED[upload_id]

    response = client.post(url, {**data, "image_file": upload(name, content)})

    assert response.status_code == 302, (
        response.context and response.context["form"].errors
    )
    world.case.refresh_from_db()
    assert world.case.image.name.endswith(".webp")
    files = stored_files()
    assert files and all(file.endswith(".webp") for file in files)
    for file in files:
        with default_storage.open(file) as stored:
            body = stored.read()
        assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
        assert b"<script" not in body and b"PK\x03\x04" not in body

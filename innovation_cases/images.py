"""A case's image: checked by its content, stored only as web-sized renditions.

An upload is opened with Pillow, which tells the format from the bytes, not from the
file's name or the browser's content type; only JPEG, PNG and WebP are taken. The
upload itself is never stored: it is turned upright (EXIF orientation), stripped of its
metadata (a phone photo's EXIF holds where it was taken) and saved as WebP renditions
at a few widths, never wider than the original. What the site serves is therefore
always an image it made itself.

The largest rendition's name is what `CaseStudy.image` holds, and it encodes the
renditions' sizes: ``cases/<2 hex>/<32 hex>/<width>x<height>.webp``, the smaller ones
beside it. So a page writes `srcset`, `width` and `height` without opening a file.
`renditions(name)` is the one place that says which files belong to a name: `store()`
writes exactly the renditions it lists, so the names on disk and the URLs the pages and
the API write cannot disagree. (Before issue 14, `store()` rounded the smaller heights
from the original photo and `renditions()` from the largest rendition, which differ by
a pixel for most camera photos; the migration complete_case_image_renditions made
the missing renditions of the images stored that way.)

Who may fetch a rendition is decided by the cases and revisions that use its folder
(innovation_cases/views.py `case_image`); `file_response()` then hands the file over.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import IO
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.utils.cache import get_conditional_response
from django.utils.encoding import filepath_to_uri
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.views.static import serve
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# Widths of the renditions; the largest is also capped at the original's width.
RENDITION_WIDTHS = (400, 800, 1600)
MIN_WIDTH, MIN_HEIGHT = 320, 180
# Far above any photo, far below what would exhaust memory (a "decompression bomb").
MAX_PIXELS = 50_000_000
WEBP_QUALITY = 82

_NAME = re.compile(
    r"^(?P<folder>cases/[0-9a-f]{2}/[0-9a-f]{32})/(?P<w>\d+)x(?P<h>\d+)\.webp$"
)


def max_upload_bytes() -> int:
    return int(getattr(settings, "CASE_IMAGE_MAX_BYTES", 8 * 1024 * 1024))


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int

    @property
    def url(self) -> str:
        """Its address on this site, under MEDIA_URL, whatever storage keeps it: every
        request goes through the check of who may see it (views.case_image), never
        straight to the storage (an S3 bucket's own URL would bypass it)."""
        return urljoin(settings.MEDIA_URL, filepath_to_uri(self.name))


def _scaled_height(width: int, height: int, to_width: int) -> int:
    """The height of a width × height image scaled to `to_width`, rounded half up in
    integers (no float, so no rounding that depends on how a quotient is stored)."""
    return max(1, (2 * height * to_width + width) // (2 * width))


def _largest_size(width: int, height: int) -> tuple[int, int]:
    """The largest rendition of a width × height original: the widest rendition
    width, never wider than the original."""
    largest = min(width, RENDITION_WIDTHS[-1])
    return largest, _scaled_height(width, height, largest)


def renditions(name: str) -> list[Rendition]:
    """The renditions stored for an image name, smallest first ([] for a name this
    module did not make, such as one written into the database by hand).

    Every size is computed from the largest rendition's, which the name holds, never
    from the original's (which no name holds): `store()` writes these very renditions.
    Changing RENDITION_WIDTHS changes this list for the images already stored, so such
    a change needs a data migration that runs `complete_stored_renditions()`.
    """
    match = _NAME.match(name or "")
    if not match:
        return []
    width, height = int(match["w"]), int(match["h"])
    widths = [w for w in RENDITION_WIDTHS if w < width] + [width]
    return [
        Rendition(f"{match['folder']}/{w}x{h}.webp", w, h)
        for w, h in ((w, _scaled_height(width, height, w)) for w in widths)
    ]


def _width(name: str) -> int:
    match = _NAME.match(name)
    return int(match["w"]) if match else 0


def folder_of(path: str) -> str | None:
    """The image folder of a path under MEDIA_ROOT, if the path has the form of a
    rendition's name (``cases/<2 hex>/<32 hex>/<width>x<height>.webp``); else None."""
    match = _NAME.match(path)
    return match["folder"] if match else None


def open_checked(upload: IO[bytes]) -> Image.Image:
    """The uploaded image, loaded, or a ValidationError that says what is wrong."""
    limit = max_upload_bytes()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("The image is larger than %(limit)s. Upload a smaller file.")
            % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    not_an_image = ValidationError(
        _("This file is not a JPEG, PNG or WebP image."), code="not_an_image"
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            found, size = probe.format, probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise not_an_image from error
    except Image.DecompressionBombError as error:
        raise ValidationError(
            _("The image has too many pixels."), code="too_many_pixels"
        ) from error
    if found not in ALLOWED_FORMATS:
        raise ValidationError(
            _("This is a %(format)s image. Upload a JPEG, PNG or WebP image.")
            % {"format": found},
            code="format",
        )
    width, height = size
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _("The image has too many pixels."), code="too_many_pixels"
        )
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ValidationError(
            _(
                "The image is %(width)s × %(height)s pixels; it needs at least "
                "%(min_width)s × %(min_height)s."
            )
            % {
                "width": width,
                "height": height,
                "min_width": MIN_WIDTH,
                "min_height": MIN_HEIGHT,
            },
            code="too_small",
        )
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError) as error:  # A truncated file, say.
        raise not_an_image from error
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _save(image: Image.Image, rendition: Rendition) -> None:
    """Write `image`, resized to the rendition's size, under the rendition's name."""
    buffer = io.BytesIO()
    image.resize((rendition.width, rendition.height), Image.Resampling.LANCZOS).save(
        buffer, "WEBP", quality=WEBP_QUALITY, method=4
    )
    saved = default_storage.save(rendition.name, ContentFile(buffer.getvalue()))
    if saved != rendition.name:  # The storage would not take the name: never serve it.
        default_storage.delete(saved)
        raise FileExistsError(f"A case image is already stored at {rendition.name}.")


def store(image: Image.Image) -> str:
    """Save the renditions of a checked image; returns the largest one's name."""
    token = uuid.uuid4().hex
    width, height = _largest_size(*image.size)
    name = f"cases/{token[:2]}/{token}/{width}x{height}.webp"
    for rendition in renditions(name):
        _save(image, rendition)
    return name


def process_upload(upload: IO[bytes]) -> str:
    """Check an upload and store its renditions; returns the name for the case."""
    return store(open_checked(upload))


def file_response(request: HttpRequest, name: str) -> HttpResponseBase:
    """The stored rendition `name`, for a request already allowed to have it.

    With settings.MEDIA_ACCEL_REDIRECT (the web server's internal location for
    MEDIA_ROOT), the web server sends the bytes: the answer only names the file in
    X-Accel-Redirect, and the web server keeps its Cache-Control. From files on this
    machine, Django reads the file itself (with conditional GET; gunicorn hands the open
    file to sendfile()). From another storage (S3, config/settings.py), Django streams
    it, with the name as its ETag: a stored name never names other bytes (`store()`).
    """
    location = settings.MEDIA_ACCEL_REDIRECT
    if location:
        handed_over = HttpResponse(content_type="image/webp")
        handed_over["X-Accel-Redirect"] = f"{location.rstrip('/')}/{name}"
        return handed_over
    if isinstance(default_storage, FileSystemStorage):
        return serve(request, name, document_root=str(default_storage.location))
    etag = quote_etag(name)
    unchanged = get_conditional_response(request, etag=etag)
    if unchanged is not None:
        return unchanged
    response = FileResponse(default_storage.open(name), content_type="image/webp")
    response["ETag"] = etag
    return response


def complete_stored_renditions() -> list[str]:
    """Make the renditions that `renditions()` lists but that are not stored, for every
    image folder in the storage; returns the names made (none on a second run).

    Each folder's widest file is the name its cases hold (see `store()`); a missing
    rendition is made from it, so it has exactly the size its name says. What the old
    code stored under other names is left in place: a page may still have it cached.
    """
    made: list[str] = []
    try:
        prefixes = default_storage.listdir("cases")[0]
    except FileNotFoundError:  # No image stored yet (an object store has no folders).
        return made
    for prefix in sorted(prefixes):
        for token in sorted(default_storage.listdir(f"cases/{prefix}")[0]):
            folder = f"cases/{prefix}/{token}"
            stored = [
                f"{folder}/{file}"
                for file in default_storage.listdir(folder)[1]
                if _NAME.match(f"{folder}/{file}")
            ]
            if not stored:
                continue
            largest = max(stored, key=_width)
            missing = [
                r for r in renditions(largest) if not default_storage.exists(r.name)
            ]
            if not missing:
                continue
            with default_storage.open(largest) as file, Image.open(file) as image:
                image.load()
                for rendition in missing:
                    _save(image, rendition)
                    made.append(rendition.name)
    return made

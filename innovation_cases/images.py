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
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
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
        return default_storage.url(self.name)


def _sizes(width: int, height: int) -> list[tuple[int, int]]:
    largest = min(width, RENDITION_WIDTHS[-1])
    widths = sorted({largest, *(w for w in RENDITION_WIDTHS if w < largest)})
    return [(w, max(1, round(height * w / width))) for w in widths]


def renditions(name: str) -> list[Rendition]:
    """The renditions stored for an image name, smallest first ([] for a name this
    module did not make, such as one written into the database by hand)."""
    match = _NAME.match(name or "")
    if not match:
        return []
    width, height = int(match["w"]), int(match["h"])
    return [
        Rendition(f"{match['folder']}/{w}x{h}.webp", w, h)
        for w, h in _sizes(width, height)
    ]


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
        image = Image.open(io.BytesIO(data))
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError) as error:  # A truncated file, say.
        raise not_an_image from error
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def store(image: Image.Image) -> str:
    """Save the renditions of a checked image; returns the largest one's name."""
    token = uuid.uuid4().hex
    folder = f"cases/{token[:2]}/{token}"
    name = ""
    for width, height in _sizes(*image.size):
        buffer = io.BytesIO()
        image.resize((width, height), Image.Resampling.LANCZOS).save(
            buffer, "WEBP", quality=WEBP_QUALITY, method=4
        )
        name = default_storage.save(
            f"{folder}/{width}x{height}.webp", ContentFile(buffer.getvalue())
        )
    return name


def process_upload(upload: IO[bytes]) -> str:
    """Check an upload and store its renditions; returns the name for the case."""
    return store(open_checked(upload))

"""Sample photos: only JPEG, PNG or WebP, re-encoded from their pixels alone.

Re-encoding drops everything but the picture: EXIF (camera, GPS position), XMP, ICC
profiles, comments, and anything appended to or hidden in the file (polyglots). The size
in bytes and in pixels is checked before decoding, so a decompression bomb never unpacks;
larger photos than MAX_SIDE pixels a side are shrunk before re-encoding (sample photos need
no more), and JPEGs are decoded at a reduced size where possible, to spare memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's name for the format: (content type, what the stored file is saved with).
FORMATS = {
    "JPEG": ("image/jpeg", {"quality": 90, "optimize": True}),
    "PNG": ("image/png", {"optimize": True}),
    "WEBP": ("image/webp", {"quality": 90}),
}
MAX_SIDE = 4000  # pixels, the longer side of a stored photo
# Modes each format can store as they are; other modes are converted first.
KEEP_MODES = {"JPEG": {"L", "RGB"}, "PNG": {"L", "LA", "RGB", "RGBA"}, "WEBP": {"RGB", "RGBA"}}

NOT_AN_IMAGE = _l("This file is not a JPEG, PNG or WebP photo.")
TOO_MANY_PIXELS = _l("This photo has too many pixels. Please make it smaller and try again.")
TOO_LARGE = _l("This file is too large. Please choose a photo of at most %(megabytes)s MB.")


class PhotoRejected(Exception):
    """The upload cannot be stored; ``reason`` says why, for the person."""

    def __init__(self, reason: LazyString | str) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    width: int
    height: int


def set_pixel_limit(max_pixels: int) -> None:
    """Pillow's own bomb guard: a warning past the limit, an error past twice the limit."""
    Image.MAX_IMAGE_PIXELS = max_pixels


def clean(data: bytes, max_pixels: int) -> CleanPhoto:
    """Check and re-encode an upload; raise ``PhotoRejected`` if it cannot be used."""
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoRejected(TOO_MANY_PIXELS)  # refused before any pixel is decoded
            image_format = image.format or ""
            if image_format == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at 1/2, 1/4… where it fits
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the orientation, lose the EXIF
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoRejected(TOO_MANY_PIXELS) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise PhotoRejected(NOT_AN_IMAGE) from error
    if image_format not in FORMATS:
        raise PhotoRejected(NOT_AN_IMAGE)
    if upright.mode not in KEEP_MODES[image_format]:
        upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
        if image_format == "JPEG":
            upright = upright.convert("RGB")
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    # A new image from the pixels alone: no info, EXIF, ICC profile or text chunks come along.
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    content_type, options = FORMATS[image_format]
    out = io.BytesIO()
    pixels.save(out, format=image_format, **options)
    return CleanPhoto(out.getvalue(), content_type, pixels.width, pixels.height)

"""Sample photos: only JPEG, PNG or WebP, re-encoded from their pixels alone.

Re-encoding drops everything but the picture: EXIF (camera, GPS position), XMP, ICC
profiles, comments, and anything appended to or hidden in the file (polyglots). The size
in bytes and in pixels is checked before decoding, so a decompression bomb never unpacks;
larger photos than MAX_SIDE pixels a side are shrunk right after decoding (sample photos
need no more). The pixels are turned upright by Pillow's ``ImageOps.exif_transpose`` after the
metadata is dropped, so it never writes EXIF back and damaged EXIF cannot stop an upload.

Memory is bounded: at most DECODE_BUDGET pixels are ever decoded (a JPEG is decoded at 1/2,
1/4 or 1/8 of its size to fit; a larger PNG or WebP is refused), and one upload at a time
per process is decoded. The worst case, a 16-megapixel PNG with transparency, takes about
64 MB for its pixels and as much again for a converted copy: under 200 MB in all (measured
in ``tests/privacy/test_photo_memory.py``).
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's name for the format: (content type, what the stored file is saved with).
FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "JPEG": ("image/jpeg", {"quality": 90, "optimize": True}),
    "PNG": ("image/png", {"optimize": True}),
    "WEBP": ("image/webp", {"quality": 90}),
}
# A JPEG holding more pictures (a phone's HDR gain map or depth map) opens as MPO: its
# first picture is kept, as a JPEG.
SAME_AS = {"MPO": "JPEG"}
MAX_SIDE = 4000  # pixels, the longer side of a stored photo
DECODE_BUDGET = MAX_SIDE * MAX_SIDE  # pixels decoded at most, whatever the photo's size
JPEG_SCALES = (1, 2, 4, 8)  # what a JPEG decoder can reduce by while decoding
# No real JPEG packs more pixels into a byte: even a flat grey one needs a byte per ~250
# pixels. A file claiming far more is damaged, and would decode as grey filling.
JPEG_PIXELS_PER_BYTE = 2048
# Decoding is the costly part in memory: one upload at a time per process.
_decoding = threading.Lock()
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
    with _decoding:
        try:
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image_format = SAME_AS.get(image.format or "", image.format or "")
                if image_format not in FORMATS:
                    raise PhotoRejected(NOT_AN_IMAGE)
                _check_size(image, image_format, len(data), max_pixels)  # nothing decoded yet
                image.load()  # an MPO's first picture only
                pixels = _bare_pixels(image, image_format)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoRejected(TOO_MANY_PIXELS) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
            raise PhotoRejected(NOT_AN_IMAGE) from error
        content_type, options = FORMATS[image_format]
        out = io.BytesIO()
        pixels.save(out, format=image_format, **options)
    return CleanPhoto(out.getvalue(), content_type, pixels.width, pixels.height)


def _check_size(image: Image.Image, image_format: str, size: int, max_pixels: int) -> None:
    """Refuse what is too large or cannot be real; set a JPEG to decode within the budget."""
    width, height = image.size
    if width * height > max_pixels:
        raise PhotoRejected(TOO_MANY_PIXELS)
    if image_format != "JPEG":
        if width * height > DECODE_BUDGET:
            raise PhotoRejected(TOO_MANY_PIXELS)
        return
    if width * height > size * JPEG_PIXELS_PER_BYTE:
        raise PhotoRejected(NOT_AN_IMAGE)
    scale = next((s for s in JPEG_SCALES if _ceil(width, s) * _ceil(height, s) <= DECODE_BUDGET), 0)
    if not scale:
        raise PhotoRejected(TOO_MANY_PIXELS)
    # Pillow decodes at the largest reduction that still gives at least the size asked for.
    image.draft("RGB", (width // scale, height // scale))


def _ceil(pixels: int, scale: int) -> int:
    return -(-pixels // scale)


def _bare_pixels(image: Image.Image, image_format: str) -> Image.Image:
    """The decoded ``image`` upright, at most MAX_SIDE a side, as a new image without info.

    Shrunk in place before anything else, so no second full-size copy is made; only a mode
    the format cannot store is converted first (a palette shrinks well only in colour).
    """
    pixels = image
    if image.mode not in KEEP_MODES[image_format]:
        alpha = "A" in image.getbands() and image_format != "JPEG"
        pixels = image.convert("RGBA" if alpha else "RGB")  # with the metadata
    pixels.thumbnail((MAX_SIDE, MAX_SIDE))
    _turn_upright(pixels)
    if pixels is image:
        pixels = image.copy()  # a plain image, not the opened file
    # With its info emptied, a plain image holds the pixels alone: no EXIF, XMP, ICC
    # profile, comment or text chunk is left for the encoder to write.
    pixels.info = {}
    return pixels


def _turn_upright(pixels: Image.Image) -> None:
    """Turn ``pixels`` in place as their EXIF orientation asks, and empty their info.

    Damaged or odd EXIF leaves the pixels as they are and never stops an upload.
    """
    try:
        # Read the orientation first (Pillow keeps what it read on the image), then drop the
        # metadata, so exif_transpose has no EXIF to write back: writing back EXIF with a
        # malformed tag fails, and the stored photo keeps none anyway.
        pixels.getexif()
        pixels.info = {}
        ImageOps.exif_transpose(pixels, in_place=True)
    except Exception:  # damaged EXIF can fail in many ways; the pixels are still good
        pixels.info = {}

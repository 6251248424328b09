"""Test images made on the spot: with camera data and a location, or built to do harm."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

CAMERA = "Studio Test Camera"
GPS_IFD = 0x8825


def jpeg_with_location(size: tuple[int, int] = (320, 240)) -> bytes:
    image = Image.new("RGB", size, (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x0112] = 1  # Orientation
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 51.0), 3: "E", 4: (4.0, 38.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (64, 48)) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Secret Author")
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def webp(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 0)).save(out, "WEBP")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    return out.getvalue()


def flat_png(size: tuple[int, int]) -> bytes:
    """A large one-colour PNG: tiny on disk, huge once decoded (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG", optimize=True)
    return out.getvalue()


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())


def info_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.info)

"""Test images made on the spot: with camera data and a location, or built to do harm."""

from __future__ import annotations

import io
import struct

from PIL import Image, PngImagePlugin

CAMERA = "Studio Test Camera"
GPS_IFD = 0x8825
ORIENTATION = 0x0112
RED, BLUE = (220, 20, 20), (20, 20, 220)


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


def halves(size: tuple[int, int] = (60, 30)) -> Image.Image:
    """Red on the left, blue on the right: which way it was turned shows."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, *size))
    return image


def jpeg_with_broken_exif() -> bytes:
    """A JPEG to be turned upright (orientation 6) whose EXIF also holds a malformed tag.

    XResolution should be a fraction but is stored as text: the orientation reads well, yet
    writing the EXIF again (as ``ImageOps.exif_transpose`` does) fails.
    """
    entries = [
        (ORIENTATION, 3, 1, struct.pack("<HH", 6, 0)),  # SHORT 6: turn 90° clockwise
        (0x011A, 2, 4, b"ab\0\0"),  # XResolution as ASCII text instead of a RATIONAL
    ]
    tiff = b"II*\0" + struct.pack("<IH", 8, len(entries))
    for tag, kind, count, value in entries:
        tiff += struct.pack("<HHI", tag, kind, count) + value
    tiff += struct.pack("<I", 0)  # no next directory
    out = io.BytesIO()
    halves().save(out, "JPEG", exif=b"Exif\0\0" + tiff)
    return out.getvalue()


def png_with_orientation(orientation: int) -> bytes:
    """A small PNG, every pixel different, with an EXIF orientation."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    out = io.BytesIO()
    Image.frombytes("RGB", (6, 4), bytes(range(72))).save(out, "PNG", exif=exif.tobytes())
    return out.getvalue()


def png_with_broken_raw_exif() -> bytes:
    """A PNG whose EXIF, in an ImageMagick-style text chunk, is not hex: reading it raises."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Raw profile type exif", "\nexif\n      10\nnot hex at all\n")
    out = io.BytesIO()
    Image.frombytes("RGB", (6, 4), bytes(range(72))).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_xmp_orientation() -> bytes:
    """A JPEG without EXIF whose XMP says to turn it 90° clockwise (orientation 6)."""
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
        b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description'
        b' xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>'
    )
    out = io.BytesIO()
    halves().save(out, "JPEG", xmp=xmp)
    return out.getvalue()


def mpo(size: tuple[int, int] = (40, 30)) -> bytes:
    """A JPEG holding two pictures, as Pillow opens Ultra HDR and other phone photos."""
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    out = io.BytesIO()
    first, second = Image.new("RGB", size, RED), Image.new("RGB", size, BLUE)
    first.save(out, "MPO", save_all=True, append_images=[second], exif=exif.tobytes())
    return out.getvalue()


def colour_at(data: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").getpixel(xy)


def near(colour: tuple[int, ...], expected: tuple[int, int, int]) -> bool:
    """Within what JPEG compression changes."""
    return all(abs(a - b) <= 12 for a, b in zip(colour, expected, strict=True))


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())


def info_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.info)

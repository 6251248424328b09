"""Uploads cost bounded memory: measured as the peak memory of a fresh process cleaning one."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from website import PROJECT_ROOT
from website.privacy.photos import NOT_AN_IMAGE, TOO_MANY_PIXELS, PhotoRejected, clean

DEFAULT_MAX_PIXELS = 40_000_000  # PRIVACY_PHOTO_MAX_PIXELS
# The peak, in MB, that cleaning one photo may add to a worker (see website/privacy/photos.py).
WORST_CASE_MB = 200

MEASURE = """
import resource, sys
from website.privacy.photos import PhotoRejected, clean
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    clean(data, int(sys.argv[2]))
    outcome = "stored"
except PhotoRejected:
    outcome = "refused"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(outcome, (after - before) // 1024)
"""


def peak_megabytes(path: Path) -> tuple[str, int]:
    """What became of the photo, and how many MB cleaning it added to a process's peak."""
    result = subprocess.run(  # noqa: S603 - this interpreter, this file's own code
        [sys.executable, "-c", MEASURE, str(path), str(DEFAULT_MAX_PIXELS)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    outcome, megabytes = result.stdout.split()
    return outcome, int(megabytes)


def saved(tmp_path: Path, image: Image.Image, name: str, **options) -> Path:
    path = tmp_path / name
    image.save(path, **options)
    return path


def test_a_small_file_with_many_pixels_is_refused_without_decoding(tmp_path: Path) -> None:
    # 40 megapixels in 52 KB: under the pixel limit, but over what is ever decoded.
    path = saved(tmp_path, Image.new("RGB", (6300, 6300), (7, 7, 7)), "wide.png")
    assert path.stat().st_size < 200_000
    assert peak_megabytes(path) == ("refused", pytest.approx(0, abs=10))


@pytest.mark.parametrize(
    ("image", "name"),
    [
        (Image.new("RGBA", (4000, 4000), (1, 2, 3, 100)), "largest.png"),  # the worst case
        (Image.new("RGB", (7000, 5000), (20, 30, 40)), "camera.jpg"),  # decoded at half size
    ],
    ids=["png", "jpeg"],
)
def test_the_largest_photos_stay_within_the_stated_memory(
    tmp_path: Path, image: Image.Image, name: str
) -> None:
    outcome, megabytes = peak_megabytes(saved(tmp_path, image, name))
    assert outcome == "stored"
    assert megabytes < WORST_CASE_MB


def test_a_large_jpeg_is_decoded_at_a_reduced_size() -> None:
    out = io.BytesIO()
    Image.new("RGB", (7000, 5000), (20, 30, 40)).save(out, "JPEG")
    photo = clean(out.getvalue(), DEFAULT_MAX_PIXELS)
    assert (photo.width, photo.height) == (3500, 2500)


def test_a_damaged_jpeg_claiming_many_pixels_is_refused() -> None:
    """The first 631 bytes of a 4000 x 4000 photo and an end marker: libjpeg would fill the
    rest with grey, and a grey 4000 x 4000 picture would be stored."""
    out = io.BytesIO()
    Image.effect_noise((4000, 4000), 50).convert("RGB").save(out, "JPEG")
    damaged = out.getvalue()[:631] + b"\xff\xd9"
    with pytest.raises(PhotoRejected) as refused:
        clean(damaged, DEFAULT_MAX_PIXELS)
    assert refused.value.reason == NOT_AN_IMAGE


def test_a_png_over_the_decoding_budget_is_refused() -> None:
    out = io.BytesIO()
    Image.new("L", (4001, 4000), 9).save(out, "PNG")
    with pytest.raises(PhotoRejected) as refused:
        clean(out.getvalue(), DEFAULT_MAX_PIXELS)
    assert refused.value.reason == TOO_MANY_PIXELS

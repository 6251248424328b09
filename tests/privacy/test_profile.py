"""The profile panel: preferences and interests, and sample photos uploaded safely."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageOps

from tests.privacy.helpers import KNOWN, make_client, post, sign_in
from tests.privacy.images import (
    BLUE,
    CAMERA,
    ORIENTATION,
    RED,
    colour_at,
    exif_of,
    flat_png,
    gif,
    halves,
    info_of,
    jpeg_with_broken_exif,
    jpeg_with_location,
    jpeg_with_xmp_orientation,
    mpo,
    near,
    png_with_broken_raw_exif,
    png_with_orientation,
    png_with_text,
    webp,
)
from website.extensions import db
from website.privacy.models import Profile, ProfilePhoto
from website.privacy.photos import clean

PANEL = "/privacy-centre/profile"


@pytest.fixture
def app_config() -> dict:
    return {
        "DEFAULT_LANGUAGE": "en",
        "PRIVACY_PHOTO_MAX_BYTES": 200_000,
        "PRIVACY_PHOTO_MAX_PIXELS": 1_000_000,
        "PRIVACY_PHOTO_LIMIT": 3,
    }


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient) -> FlaskClient:
    make_client(app)
    sign_in(app, client)
    return client


def upload(client: FlaskClient, data: bytes, name: str = "photo.jpg", **kwargs):
    return post(
        client,
        f"{PANEL}/photos",
        {"photo": (io.BytesIO(data), name)},
        token_from=PANEL,
        content_type="multipart/form-data",
        **kwargs,
    )


def stored(app: Flask) -> list[ProfilePhoto]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(ProfilePhoto).order_by(ProfilePhoto.id)))
        db.session.expunge_all()
        return found


def stored_files(app: Flask) -> list[Path]:
    folder = Path(app.config["PRIVACY_UPLOAD_FOLDER"]) / "photos"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_preferences_and_interests_are_saved(app: Flask, signed_in: FlaskClient) -> None:
    response = post(
        signed_in,
        PANEL,
        {"preferences": " Natural light, no studio flash ", "interests": "Portraits"},
        token_from=PANEL,
    )
    assert response.status_code == 303
    page = signed_in.get(PANEL).text
    assert "Your profile is saved." in page
    assert "Natural light, no studio flash</textarea>" in page
    with app.app_context():
        profile = db.session.scalar(sa.select(Profile))
        assert (profile.email, profile.preferences, profile.interests) == (
            KNOWN,
            "Natural light, no studio flash",
            "Portraits",
        )
    assert "Natural light, no studio flash" in signed_in.get("/privacy-centre/data").text


def test_a_profile_that_is_too_long_is_refused_inline(signed_in: FlaskClient) -> None:
    response = post(
        signed_in, PANEL, {"preferences": "x" * 2001, "interests": ""}, token_from=PANEL, htmx=True
    )
    assert response.status_code == 422
    assert response.text.startswith('<section id="privacy-panel"')
    assert "Please use at most 2000 characters." in response.text


def test_a_jpeg_loses_its_camera_data_and_location(app: Flask, signed_in: FlaskClient) -> None:
    original = jpeg_with_location()
    assert CAMERA in str(exif_of(original)) and 0x8825 in exif_of(original)
    response = upload(signed_in, original, "../../etc/holiday.jpg")
    assert response.status_code == 303
    assert "We removed its camera data and location." in signed_in.get(PANEL).text
    [photo] = stored(app)
    [path] = stored_files(app)
    assert path.name == f"{photo.public_id}.jpg", "the name is ours, not the uploader's"
    data = path.read_bytes()
    assert exif_of(data) == {}
    assert b"Exif" not in data and CAMERA.encode() not in data and b"secret comment" not in data
    assert (photo.content_type, photo.width, photo.height, photo.size) == (
        "image/jpeg",
        320,
        240,
        len(data),
    )
    with signed_in.get(f"{PANEL}/photos/{photo.public_id}") as served:
        assert served.status_code == 200
        assert served.mimetype == "image/jpeg"
        assert served.headers["Content-Disposition"] == f"inline; filename=photo-{path.name}"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Cache-Control"] == "no-store"
        assert served.data == data


def webp_with_camera(size: tuple[int, int] = (40, 30)) -> bytes:
    """A WebP carrying EXIF: the camera's make and a location."""
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 51.0), 3: "E", 4: (4.0, 38.0, 12.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 0)).save(out, "WEBP", exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type", "secret"),
    [
        (png_with_text(), "image/png", b"Secret Author"),
        (webp_with_camera(), "image/webp", CAMERA.encode()),
    ],
    ids=["png", "webp"],
)
def test_png_and_webp_are_accepted_and_cleaned(
    app: Flask, signed_in: FlaskClient, data: bytes, content_type: str, secret: bytes
) -> None:
    assert secret in data, "the upload carries metadata to remove"
    assert upload(signed_in, data, "sample.bin").status_code == 303
    [photo] = stored(app)
    [path] = stored_files(app)
    assert photo.content_type == content_type
    cleaned = path.read_bytes()
    assert secret not in cleaned and b"Exif" not in cleaned
    assert exif_of(cleaned) == {}
    assert "Author" not in info_of(cleaned) and "exif" not in info_of(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == content_type.split("/")[1].upper()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_exif_orientation_is_applied_to_the_pixels(orientation: int) -> None:
    """Every orientation turns the pixels as ``exif_transpose`` does on the original."""
    original = png_with_orientation(orientation)
    with Image.open(io.BytesIO(original)) as image:
        expected = ImageOps.exif_transpose(image)
    cleaned = clean(original, 1_000_000)
    assert exif_of(cleaned.data) == {}
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert (image.size, image.tobytes()) == (expected.size, expected.tobytes())


def test_a_photo_converted_before_storing_is_turned_upright_too() -> None:
    """A palette PNG is stored as RGB: the converted copy still follows the orientation."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    out = io.BytesIO()
    halves().quantize(4).save(out, "PNG", exif=exif.tobytes())
    cleaned = clean(out.getvalue(), 1_000_000)
    assert (cleaned.width, cleaned.height) == (30, 60)
    assert near(colour_at(cleaned.data, (15, 5)), RED), "the left half is now on top"
    assert exif_of(cleaned.data) == {}


def test_an_xmp_orientation_is_followed_when_exif_has_none() -> None:
    cleaned = clean(jpeg_with_xmp_orientation(), 1_000_000)
    assert (cleaned.width, cleaned.height) == (30, 60)
    assert near(colour_at(cleaned.data, (15, 5)), RED), "the left half is now on top"
    assert b"Orientation" not in cleaned.data and b"xmpmeta" not in cleaned.data


def test_exif_that_cannot_be_read_leaves_the_pixels_as_they_are(
    app: Flask, signed_in: FlaskClient
) -> None:
    """Reading this EXIF raises (``exif_transpose`` too): the photo is stored, unturned."""
    original = png_with_broken_raw_exif()
    with Image.open(io.BytesIO(original)) as image, pytest.raises(ValueError):
        ImageOps.exif_transpose(image)
    assert upload(signed_in, original, "broken.png").status_code == 303
    [path] = stored_files(app)
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as stored_image, Image.open(io.BytesIO(original)) as image:
        assert (stored_image.size, stored_image.tobytes()) == (image.size, image.tobytes())
    assert b"Raw profile" not in data and b"not hex" not in data


def test_a_photo_with_damaged_exif_is_still_turned_upright(
    app: Flask, signed_in: FlaskClient
) -> None:
    """A malformed EXIF tag besides the orientation once made the upload fail with a 500."""
    original = jpeg_with_broken_exif()
    assert exif_of(original)[0x0112] == 6, "to be turned 90° clockwise"
    assert upload(signed_in, original).status_code == 303
    [photo] = stored(app)
    [path] = stored_files(app)
    data = path.read_bytes()
    assert (photo.width, photo.height) == (30, 60)
    assert near(colour_at(data, (15, 5)), RED), "the left half is now on top"
    assert near(colour_at(data, (15, 55)), BLUE)
    assert exif_of(data) == {} and b"Exif" not in data


def test_a_multi_picture_jpeg_keeps_its_first_picture(app: Flask, signed_in: FlaskClient) -> None:
    original = mpo()
    with Image.open(io.BytesIO(original)) as image:
        assert (image.format, image.n_frames) == ("MPO", 2)
    assert CAMERA.encode() in original
    assert upload(signed_in, original, "phone.jpg").status_code == 303
    [photo] = stored(app)
    [path] = stored_files(app)
    assert path.name == f"{photo.public_id}.jpg"
    data = path.read_bytes()
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 40, 30)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, getattr(image, "n_frames", 1)) == ("JPEG", 1)
    assert near(colour_at(data, (20, 15)), RED), "the first picture"
    assert exif_of(data) == {} and b"Exif" not in data and b"MPF" not in data
    assert CAMERA.encode() not in data


NOT_A_PHOTO = "This file is not a JPEG, PNG or WebP photo."


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.jpg", NOT_A_PHOTO),
        (b"%PDF-1.4 not a photo", "photo.png", NOT_A_PHOTO),
        (gif(), "animation.gif", NOT_A_PHOTO),
        (jpeg_with_location()[:200], "broken.jpg", NOT_A_PHOTO),
        (b"", "empty.jpg", NOT_A_PHOTO),
    ],
    ids=["html", "pdf", "gif", "truncated", "empty"],
)
def test_anything_but_a_photo_is_refused(
    app: Flask, signed_in: FlaskClient, data: bytes, name: str, message: str
) -> None:
    response = upload(signed_in, data, name)
    assert response.status_code == 422
    assert message in response.text
    assert stored(app) == [] and stored_files(app) == []


def test_a_polyglot_is_stored_as_a_plain_photo(app: Flask, signed_in: FlaskClient) -> None:
    """A photo with a script appended (and an HTML "comment") is re-encoded: payload gone."""
    payload = b"<script>alert(document.cookie)</script>"
    image = Image.new("RGB", (50, 50), (1, 2, 3))
    out = io.BytesIO()
    image.save(out, "JPEG", comment=payload)
    assert upload(signed_in, out.getvalue() + payload + b"PK\x03\x04zip").status_code == 303
    [path] = stored_files(app)
    assert payload not in path.read_bytes() and b"PK\x03\x04" not in path.read_bytes()


def test_a_file_over_the_size_limit_is_refused(app: Flask, signed_in: FlaskClient) -> None:
    noise = Image.frombytes("RGB", (400, 400), random.Random(6).randbytes(400 * 400 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 200_000
    response = upload(signed_in, out.getvalue(), "big.png")
    assert response.status_code == 422
    assert "This file is too large." in response.text
    assert stored(app) == []


def test_a_request_over_the_body_limit_gets_413(app: Flask, signed_in: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    assert upload(signed_in, b"\xff" * 150_000).status_code == 413


@pytest.mark.parametrize(
    "size",
    [(1200, 1000), (1500, 1500), (5000, 5000)],
    ids=["over-the-limit", "twice-the-limit", "huge"],
)
def test_decompression_bombs_are_refused_before_decoding(
    app: Flask, signed_in: FlaskClient, size: tuple[int, int]
) -> None:
    data = flat_png(size)
    assert len(data) < 200_000, "small on disk"
    response = upload(signed_in, data, "bomb.png")
    assert response.status_code == 422
    assert "This photo has too many pixels." in response.text
    assert stored(app) == [] and stored_files(app) == []


def test_a_photo_can_be_deleted(app: Flask, signed_in: FlaskClient) -> None:
    upload(signed_in, webp())
    [photo] = stored(app)
    response = post(signed_in, f"{PANEL}/photos/{photo.public_id}/delete", token_from=PANEL)
    assert response.status_code == 303
    assert "The photo is deleted." in signed_in.get(PANEL).text
    assert stored(app) == [] and stored_files(app) == []
    assert signed_in.get(f"{PANEL}/photos/{photo.public_id}").status_code == 404


def test_nobody_else_sees_or_deletes_a_photo(app: Flask, signed_in: FlaskClient) -> None:
    upload(signed_in, webp())
    [photo] = stored(app)
    other = app.test_client()
    make_client(app, "bas@example.nl", "Bas")
    sign_in(app, other, "bas@example.nl")
    assert other.get(f"{PANEL}/photos/{photo.public_id}").status_code == 404
    deleting = post(other, f"{PANEL}/photos/{photo.public_id}/delete", token_from=PANEL)
    assert deleting.status_code == 404
    assert len(stored(app)) == 1
    anonymous = app.test_client()
    assert anonymous.get(f"{PANEL}/photos/{photo.public_id}").status_code == 303


def test_the_number_of_photos_is_limited(app: Flask, signed_in: FlaskClient) -> None:
    for _ in range(3):
        assert upload(signed_in, webp()).status_code == 303
    refused = upload(signed_in, webp())
    assert refused.status_code == 422
    assert "You can keep at most 3 sample photos." in refused.text
    assert len(stored(app)) == 3


class TestUploadRateLimit:
    @pytest.fixture
    def app_config(self) -> dict:
        return {
            "DEFAULT_LANGUAGE": "en",
            "PRIVACY_PHOTO_LIMIT": 10,
            "PRIVACY_RATE_LIMIT_UPLOADS": "3 per minute",
            "PRIVACY_RATE_LIMIT_IP": "1 per minute",  # codes and downloads: not uploads
        }

    def test_uploads_per_ip(self, app: Flask, signed_in: FlaskClient) -> None:
        for _ in range(3):
            assert upload(signed_in, webp(), remote_addr="10.0.0.7").status_code == 303
        assert upload(signed_in, webp(), remote_addr="10.0.0.7").status_code == 429
        assert upload(signed_in, webp(), remote_addr="10.0.0.8").status_code == 303
        assert len(stored(app)) == 4


def test_the_panel_shows_the_photos_with_text_alternatives(
    app: Flask, signed_in: FlaskClient
) -> None:
    upload(signed_in, webp())
    [photo] = stored(app)
    fragment = signed_in.get(PANEL, headers={"HX-Request": "true"}).text
    assert fragment.startswith('<section id="privacy-panel"')
    assert f'src="/privacy-centre/profile/photos/{photo.public_id}"' in fragment
    assert 'alt="Sample photo 1"' in fragment
    assert 'enctype="multipart/form-data"' in fragment


def flat_jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize("make", [flat_png, flat_jpeg], ids=["png", "jpeg"])
def test_a_large_photo_is_shrunk_to_the_largest_side_kept(
    app: Flask, signed_in: FlaskClient, make
) -> None:
    assert upload(signed_in, make((5000, 100))).status_code == 303
    [photo] = stored(app)
    assert (photo.width, photo.height) == (4000, 80)
    with Image.open(stored_files(app)[0]) as image:
        assert image.size == (4000, 80)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_profile_can_be_deleted_with_its_photos(
    app: Flask, signed_in: FlaskClient, htmx: bool
) -> None:
    wishes = {"preferences": "Warm light", "interests": "Portraits"}
    post(signed_in, PANEL, wishes, token_from=PANEL)
    upload(signed_in, webp())
    upload(signed_in, flat_png((20, 20)))
    assert len(stored_files(app)) == 2
    assert "Delete profile and photos" in signed_in.get(PANEL).text

    response = post(signed_in, f"{PANEL}/delete", token_from=PANEL, htmx=htmx)

    assert response.status_code == (200 if htmx else 303)
    page = response.text if htmx else signed_in.get(PANEL).text
    assert "Your profile and sample photos are deleted." in page
    assert "Delete profile and photos" not in page, "nothing left to delete"
    assert stored(app) == [] and stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Profile.id))) == 0


def test_deleting_the_profile_needs_the_csrf_token(app: Flask, signed_in: FlaskClient) -> None:
    post(signed_in, PANEL, {"preferences": "Warm light"}, token_from=PANEL)
    response = signed_in.post(f"{PANEL}/delete", data={})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Profile.id))) == 1

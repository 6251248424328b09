"""The profile a person keeps themselves: preferences, interests and sample photos.

People delete it themselves; the retention rule deletes it once they are no longer a client.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from website import retention
from website.clients.models import Client
from website.clock import utcnow
from website.extensions import db
from website.privacy.models import Profile, ProfilePhoto
from website.privacy.photos import TOO_LARGE, PhotoRejected, clean
from website.privacy.services import lock_subject
from website.queries import changed_rows

TOO_MANY_PHOTOS = _l("You can keep at most %(count)s sample photos. Please delete one first.")


def find_profile(email: str) -> Profile | None:
    return db.session.scalar(sa.select(Profile).where(Profile.email == email))


def save_profile(email: str, preferences: str, interests: str) -> Profile:
    """Create or update the profile (Art. 16: the person corrects it themselves)."""
    profile = find_profile(email)
    if profile is None:
        profile = Profile(email=email)
        db.session.add(profile)
    profile.preferences, profile.interests = preferences or "", interests or ""
    profile.updated_at = utcnow()
    db.session.commit()
    return profile


def photo_folder() -> Path:
    folder = Path(current_app.config["PRIVACY_UPLOAD_FOLDER"]) / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def photo_path(photo: ProfilePhoto) -> Path:
    return photo_folder() / photo.file_name


def photo_count(email: str) -> int:
    query = sa.select(sa.func.count(ProfilePhoto.id)).where(ProfilePhoto.email == email)
    return db.session.scalar(query) or 0


def add_photo(email: str, upload: FileStorage) -> ProfilePhoto:
    """Check, re-encode and store an upload; raise ``PhotoRejected`` with the reason."""
    config = current_app.config
    if photo_count(email) >= config["PRIVACY_PHOTO_LIMIT"]:
        raise PhotoRejected(TOO_MANY_PHOTOS % {"count": config["PRIVACY_PHOTO_LIMIT"]})
    limit = config["PRIVACY_PHOTO_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise PhotoRejected(TOO_LARGE % {"megabytes": limit // (1024 * 1024)})
    cleaned = clean(data, config["PRIVACY_PHOTO_MAX_PIXELS"])
    photo = ProfilePhoto(
        public_id=secrets.token_hex(16),
        email=email,
        content_type=cleaned.content_type,
        width=cleaned.width,
        height=cleaned.height,
        size=len(cleaned.data),
    )
    path = photo_path(photo)
    partial = path.with_suffix(".part")
    partial.write_bytes(cleaned.data)
    os.replace(partial, path)
    # Count again under the person's lock: uploads at the same time never pass the limit.
    lock_subject(email)
    if photo_count(email) >= config["PRIVACY_PHOTO_LIMIT"]:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise PhotoRejected(TOO_MANY_PHOTOS % {"count": config["PRIVACY_PHOTO_LIMIT"]})
    db.session.add(photo)
    try:
        db.session.commit()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return photo


def find_photo(email: str, public_id: str) -> ProfilePhoto | None:
    """A photo of this person only: someone else's id finds nothing."""
    return db.session.scalar(
        sa.select(ProfilePhoto).where(
            ProfilePhoto.email == email, ProfilePhoto.public_id == public_id
        )
    )


def delete_photo(photo: ProfilePhoto) -> None:
    path = photo_path(photo)
    db.session.delete(photo)
    db.session.commit()
    path.unlink(missing_ok=True)


def delete_profile(email: str) -> None:
    """Delete the profile and every sample photo, files too (the person's own choice)."""
    db.session.execute(sa.delete(Profile).where(Profile.email == email))
    _delete_photos(sa.select(ProfilePhoto).where(ProfilePhoto.email == email))


def _delete_photos(query: sa.Select) -> int:
    """Delete these photos' rows, then (once that is committed) their files."""
    found = list(db.session.scalars(query))
    paths = [photo_path(photo) for photo in found]
    for photo in found:
        db.session.delete(photo)
    db.session.commit()
    for path in paths:
        path.unlink(missing_ok=True)
    return len(found)


@retention.rule("privacy profiles and sample photos")
def delete_expired_profiles(now: datetime) -> int:
    """Delete the profiles and photos of people who are not (or no longer) clients.

    Once the studio holds no client record for an address (contact retention deletes clients
    without messages or invoices), a profile goes CONTACT_RETENTION_MONTHS after its last
    change, and each photo that long after its upload.
    """
    cutoff = retention.months_before(now, current_app.config["CONTACT_RETENTION_MONTHS"])
    clients = sa.select(Client.email)
    profiles = changed_rows(
        sa.delete(Profile).where(Profile.email.not_in(clients), Profile.updated_at < cutoff)
    )
    photos = _delete_photos(
        sa.select(ProfilePhoto).where(
            ProfilePhoto.email.not_in(clients), ProfilePhoto.created_at < cutoff
        )
    )
    return profiles + photos

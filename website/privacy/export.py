"""The download: one ZIP with data.json (Art. 20), a CSV per category, a README and the photos.

Built from server-side data only, straight into a spooled temporary file (kept in memory
while small, on disk when large), record by record: a long history is never held whole.
A photo whose file is missing is left out, and the README says so, rather than failing the
whole download.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from flask import current_app, render_template

from website.clock import utcnow
from website.mail.services import public_url
from website.privacy.profile import photo_path
from website.privacy.register import CATEGORIES
from website.privacy.subject import RECORDS, photos, plain

IN_MEMORY = 8 * 1024 * 1024
# Spreadsheets run a cell that starts like this as a formula (CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs."""
    text = "" if value is None else str(plain(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def build_export(email: str, now: datetime | None = None) -> IO[bytes]:
    """Write the ZIP for ``email`` and return it, rewound, ready to send."""
    now = now or utcnow()
    stored, missing = [], 0
    for photo in photos(email):
        path = photo_path(photo)
        if path.is_file():
            stored.append((photo, path))
        else:
            # The id only: the path and the address are personal data.
            current_app.logger.error("Export: the file of photo %s is missing", photo.id)
            missing += 1
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (sent, then closed)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            render_template(
                "privacy/export/README.txt",
                categories=CATEGORIES,
                email=email,
                now=now,
                public_url=public_url,
                missing_photos=missing,
            ),
        )
        with archive.open("data.json", "w") as raw, _text(raw) as out:
            _write_json(out, email, now)
        for category in CATEGORIES:
            if category.fields:
                with archive.open(f"{category.key}.csv", "w") as raw, _text(raw) as out:
                    _write_csv(out, category.fields, RECORDS[category.key](email))
        for photo, path in stored:
            # Already compressed: deflating them again costs time and saves nothing.
            archive.write(path, f"photos/{photo.file_name}", compress_type=zipfile.ZIP_STORED)
    spool.seek(0)
    return spool


def _text(raw: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def _write_json(out: io.TextIOWrapper, email: str, now: datetime) -> None:
    """``{"email", "generated_at", "categories": {key: {"about", "records"}}}``, streamed."""
    head = json.dumps({"email": email, "generated_at": now.isoformat()}, ensure_ascii=False)
    out.write(head[:-1] + ', "categories": {')
    for number, category in enumerate(CATEGORIES):
        about = json.dumps(category.about(), ensure_ascii=False)
        out.write(f'{", " if number else ""}"{category.key}": {{"about": {about}, "records": [')
        for index, record in enumerate(RECORDS[category.key](email)):
            values = {key: plain(value) for key, value in record.items()}
            out.write((", " if index else "") + json.dumps(values, ensure_ascii=False))
        out.write("]}")
    out.write("}}\n")


def _write_csv(
    out: io.TextIOWrapper, fields: tuple[tuple[str, Any], ...], records: Iterable[dict]
) -> None:
    writer = csv.writer(out)
    keys = [key for key, _ in fields]
    writer.writerow(keys)
    for record in records:
        writer.writerow([neutralise(record[key]) for key in keys])

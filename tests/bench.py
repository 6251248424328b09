"""``make bench``: how fast the main pages render, measured in-process (no network, no server).

Each page is requested many times through Flask's test client against a migrated SQLite
database with demo content; the report gives the median and 95th-percentile time per request,
requests per second, and the number of SQL statements one request runs. Numbers vary with the
machine and its load: compare runs made on the same machine in the same sitting.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from tests.conftest import make_config
from tests.factories import make_issued_invoice
from website import create_app
from website.contact.models import ProductionKind
from website.contact.services import Submission, submit_message
from website.extensions import db
from website.policy.cli import DEFAULT_DIRECTORY
from website.policy.services import import_directory

PAGES = ["/", "/privacy-policy", "/privacy-policy/2019-06-08", "/contact"]
ROUNDS = 300


def measure(client, url: str, headers: dict[str, str]) -> list[float]:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(make_config(f"sqlite:///{Path(folder) / 'bench.db'}"))
        with app.app_context():
            upgrade()
            import_directory(DEFAULT_DIRECTORY)
            for number in range(200):
                submit_message(
                    Submission(f"Person {number}", f"p{number}@example.nl", None,
                               ProductionKind.PHOTO, None, "Hello " * 50, False, "nl")
                )  # fmt: skip
            lines = tuple((f"Line {n}", "1", "100.00", "21") for n in range(12))
            pay_page = "/pay/" + make_issued_invoice(lines=lines)[1]
        client = app.test_client()
        statements: list[str] = []
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'req/s':>8} {'queries':>8}")
        for url in [*PAGES, pay_page]:
            for label, headers in (("", {}), (" (htmx)", {"HX-Request": "true"})):
                timings = measure(client, url, headers)
                statements.clear()
                client.get(url, headers=headers)
                median = statistics.median(timings) * 1000
                p95 = statistics.quantiles(timings, n=20)[-1] * 1000
                rate = len(timings) / sum(timings)
                name = ("/pay/<token>" if url == pay_page else url) + label
                print(f"{name:34} {median:10.2f} {p95:8.2f} {rate:8.0f} {len(statements):8}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())

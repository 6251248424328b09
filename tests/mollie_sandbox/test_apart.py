"""The sandbox stands apart from the site: it loads none of it, and the site serves none
of the sandbox's files."""

from __future__ import annotations

import subprocess
import sys

from flask.testing import FlaskClient

from website import PROJECT_ROOT

LOADED = (
    "import sys, website.mollie_sandbox.app, website.mollie_sandbox.testing; "
    "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] == 'website')))"
)


def test_importing_the_sandbox_loads_nothing_of_the_site() -> None:
    # A fresh interpreter: this one has loaded the site already.
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", LOADED], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    loaded = result.stdout.split()
    assert "website.mollie_sandbox.app" in loaded
    assert [name for name in loaded if not name.startswith("website.mollie_sandbox")] == ["website"]


def test_the_site_serves_no_file_of_the_sandbox(client: FlaskClient) -> None:
    assert client.get("/static/mollie_sandbox/checkout.css").status_code == 404
    assert client.get("/static/checkout.css").status_code == 404

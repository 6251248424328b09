"""The iVisual Productions website: ``create_app`` builds the Flask application.

Importing the package is cheap: the application and everything it pulls in load when
``create_app`` is called (``website/app.py``), so a part that stands apart from the site,
such as the Mollie sandbox, can be imported on its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, then ``config`` (tests pass a dict)."""
    from website.app import create_app as build

    return build(config)

"""The privacy-centre tests speak English unless they say otherwise."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"DEFAULT_LANGUAGE": "en"}

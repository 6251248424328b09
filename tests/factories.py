"""Small factory functions for test data; each adds, commits and returns the row."""

from __future__ import annotations

from datetime import date
from typing import Any

from website.extensions import db
from website.policy.models import PolicyVersion

POLICY_BODY = """Intro text.

## 1. What we collect {#information-we-collect}

We collect what you send us.

### 1.1 Detail {#detail}

More.

## 2. Your rights {#your-rights}

Mail <info@ivisualproductions.nl>.
"""


def make_policy_version(**overrides: Any) -> PolicyVersion:
    values: dict[str, Any] = {
        "language": "en",
        "published_on": date(2019, 6, 8),
        "body": POLICY_BODY,
    }
    values.update(overrides)
    version = PolicyVersion(**values)
    db.session.add(version)
    db.session.commit()
    return version

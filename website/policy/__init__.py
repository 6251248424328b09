"""The privacy policy: versioned, in Dutch and English."""

from website.policy import cli as cli
from website.policy.views import bp

__all__ = ["bp"]

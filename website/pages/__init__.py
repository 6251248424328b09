"""Public pages of the studio."""

from website.pages.views import bp

__all__ = ["bp"]

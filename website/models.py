"""Every feature's models in one place, for Alembic autogenerate and ``flask shell``."""

from website.extensions import Base, db
from website.policy.models import PolicyVersion

__all__ = ["Base", "PolicyVersion", "db"]

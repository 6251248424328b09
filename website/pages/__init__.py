"""Public pages of the studio."""

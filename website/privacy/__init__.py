"""Privacy: consent records (the privacy centre builds on these)."""

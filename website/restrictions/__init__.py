"""Restrictions of processing (Art. 18 GDPR): while one is in force, data is only stored."""

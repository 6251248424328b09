"""The back office for the studio's staff, under /admin (Flask-Login)."""

"""Clients: the people behind messages (and, later, invoices)."""

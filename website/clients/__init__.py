"""Clients: one record per email address, for the people behind messages and invoices."""

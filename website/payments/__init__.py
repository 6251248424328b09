"""Paying invoices through Mollie: one payment per click, kept in step by webhook and return."""

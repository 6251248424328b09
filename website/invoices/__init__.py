"""Invoices: lines, VAT per rate, gapless numbers, the 50% deposit and the balance."""

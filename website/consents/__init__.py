"""Consents: who agreed to what, when, shown which text; read by mail, written by every feature."""

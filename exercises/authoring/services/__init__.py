"""Writes: every change goes through these functions (tests build their data with them too)."""

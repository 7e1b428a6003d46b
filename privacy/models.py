"""Retention, disclosure and erasure of a client's data (APPI rights)."""

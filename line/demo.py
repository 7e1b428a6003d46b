"""Demo LINE data (written later in this file)."""

from __future__ import annotations


def seed(ctx):
    return {}


def delete(ctx):
    return 0


def tables():
    return ()


def present(ctx):
    return {}

"""Errors that the `lurewatch` command turns into one-line messages and exit codes."""

from __future__ import annotations


class UsageError(Exception):
    """The user asked for something that cannot be done as asked (exit code 2)."""

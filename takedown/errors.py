"""The one error of this package: a request that cannot be made as asked."""

from __future__ import annotations


class TakedownError(Exception):
    """A takedown that cannot be drafted, sent or checked as asked; one line says why."""

"""Watchlists, their evaluation against newly indexed posts, notifiers and the scheduler."""

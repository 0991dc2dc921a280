"""Takedown requests: recipients, drafts, evidence bundles, tracking and removal checks."""

"""What the bot may say: per-language patterns and per-jurisdiction sources for the guard.

The public entry point is `fairdial.policy.guard.guard`; this package holds its parts.
"""

"""fairdial: an AI phone agent for loan collections that keeps every contact rule."""

__version__ = "0.1.0"

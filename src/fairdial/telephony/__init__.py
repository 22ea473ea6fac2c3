"""Channels that place calls: simulated borrowers, and carriers behind the same events."""

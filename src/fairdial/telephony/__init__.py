"""Channels that place calls: simulated borrowers today, carriers and PBXs behind the same events."""

"""Simulated borrowers: who answers, what they mean, and how they say it in their own words."""

from fairdial.simulation.intents import Intent, TruthTurn
from fairdial.simulation.memory import BorrowerMemory
from fairdial.simulation.personas import Persona, Reach, Stance, persona_for

__all__ = [
    "BorrowerMemory",
    "Intent",
    "Persona",
    "Reach",
    "Stance",
    "TruthTurn",
    "persona_for",
]

"""Figures a collections manager reads: contact, promise and hand-off rates."""

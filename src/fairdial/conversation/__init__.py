"""The collection conversation: scripts, understanding, negotiation and routing."""

"""The trained part of understanding: features, the intent classifier and its evaluation."""

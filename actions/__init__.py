"""Rasa custom actions: thin wrappers that read slots, call ``bot``, reply and return events."""

"""Routing core of the SCE-territory customer-inquiry assistant.

Importable without Rasa: the role table (``models``, ``repository``, ``seed``),
place resolution (``places``) and the routing rules (``routing``).
"""

__version__ = "0.1.0"

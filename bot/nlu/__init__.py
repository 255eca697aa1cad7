"""NLU pieces: the role-table gazetteer (pure spaCy) and the Rasa components that wrap it."""

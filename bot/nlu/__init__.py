"""NLU pieces: the role-table gazetteer (pure spaCy) and the Rasa components that wrap it.

Rasa imports this package in every process that loads the model, so the one fix to Rasa itself that the
assistant needs at run time is installed here (see :mod:`bot.rasa_patches`).
"""

from bot import rasa_patches

rasa_patches.install()

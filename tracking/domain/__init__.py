"""Pure-Python rules of tracking numbers: check digits, formats, parsing.

Nothing here imports Django, so every rule can be tested and reused
without a database or settings.
"""

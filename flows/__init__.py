"""Prefect flows: thin wrappers that compose ``reportflow`` library functions into tasks.

Nothing here holds domain logic; everything a flow does can be done with the CLI as well.
"""

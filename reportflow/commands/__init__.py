"""One module per CLI command, as in pre-commit: each holds the command's logic and output.

``cli`` only declares the options and imports a command's module when that command runs, so a
fast command never pays for a slow one's imports; ``main`` is the entry point in front of it.
"""

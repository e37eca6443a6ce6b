"""``python -m reportflow``: the same entry point as the ``reportflow`` command."""

from reportflow.commands.main import main

main()

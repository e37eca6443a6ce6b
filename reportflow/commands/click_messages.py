"""click's and typer's own messages that a reportflow user sees, marked for our catalogue.

click and typer translate through ``gettext.gettext`` but ship no Chinese catalogue;
``reportflow.core.i18n.install_for_click`` points gettext's global domain at ours, so their
words ("Usage:", "Options", "Missing option") must be in it. Listing them here lets Babel
extract them with ours (nothing imports this module); ``tests/test_i18n.py`` checks that
each is still a message of the installed click or typer, so an upgrade that rewords one
shows up as a failing test rather than as English in a Chinese help page.
"""

from __future__ import annotations

from reportflow.core.i18n import N_, Nn_

MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("Option {name!r} does not take a value."),
    N_("required"),
    N_("default: {default}"),
    N_("Aborted!"),
)

PLURALS = (
    Nn_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    Nn_("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    Nn_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    Nn_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
)

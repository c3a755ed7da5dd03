"""The empty command line's placeholder: what makes sense now, the lesson step's command only while connected."""

from __future__ import annotations

from smtpshell.proto.client_state import ClientState
from smtpshell.tui.command_line import command_placeholder

STEP = "A message has headers first (`From:`, `To:`), then an empty line, then the body."


def test_a_lesson_step_suggests_its_command_while_connected() -> None:
    assert command_placeholder(ClientState(), True, STEP).startswith("the step says: From:")


def test_without_a_connection_the_placeholder_says_how_to_get_one_even_in_a_lesson() -> None:
    # After Ctrl+C abandoned a message the step still says "From:", but typing it would go nowhere.
    for step in (STEP, None):
        shown = command_placeholder(ClientState(), False, step)
        assert shown.startswith("not connected: /sandbox"), shown


def test_a_shell_command_in_the_step_is_suggested_without_a_connection() -> None:
    shown = command_placeholder(ClientState(), False, "Open a session with `/sandbox`.")
    assert shown.startswith("the step says: /sandbox"), shown

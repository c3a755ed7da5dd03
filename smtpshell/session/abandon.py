"""Abandoning a message half typed after DATA's 354: the one honest way is to close the connection.

Rule: RFC 5321 has no command that cancels inside DATA (§4.1.1.4: the server reads everything up to <CRLF>.<CRLF>
as the message, RSET included), and a line holding only "." would deliver what was typed so far. A server takes
responsibility for a message only when it answers that final "." (§4.1.1.4, §6.1): a connection closed before it
leaves nothing to deliver.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from smtpshell.session.message_input import RECONNECT_ADVICE
from smtpshell.session.records import ConnectionChange

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine

HOW = (
    "SMTP has no way to take a message back inside DATA: a line with only '.' would deliver it. "
    "Press Ctrl+C again to abandon it: the shell closes the connection, and a server delivers nothing whose "
    "final '.' it never read (RFC 5321 §4.1.1.4)."
)
ABANDONED_REASON = "the shell closed the connection to abandon the message"


def writing_a_message(engine: ShellEngine) -> bool:
    """After DATA's 354, before the final "." (a BDAT chunk is not a message being written)."""
    return engine.mode == "data" and engine.bdat_command is None and engine.connected


def abandon_message(engine: ShellEngine) -> None:
    """Close the connection so that the half-typed message is never delivered, and say so."""
    lines = len(engine.message_lines)
    engine.forget_connection()
    engine.notice(
        "warning",
        "Message abandoned: the shell closed the connection, so the server delivers nothing.",
        f"The {lines} line{'s' if lines != 1 else ''} typed so far went nowhere: a server takes a message only when "
        f"it answers the final '.' (RFC 5321 §4.1.1.4). {RECONNECT_ADVICE}",
    )
    engine.emit(
        ConnectionChange("disconnected", engine.target.describe(), ABANDONED_REASON, at=time.time(), initiator="client")
    )

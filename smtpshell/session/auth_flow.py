"""/auth's exchange with the server: the AUTH line, then one answer per 334 challenge, each explained decoded.

Rule: the password lives only in the ClientAuth helper for the length of the exchange; records hold the redacted
lines (see redact.py) and the notices hold the decoded lines with the password masked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smtpshell.proto.client_state import AUTH_RESPONSE
from smtpshell.session.auth_helper import AuthHelperError, ClientAuth

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine


async def answer_password(engine: ShellEngine, password: str) -> None:
    """The line typed at the password prompt: run the exchange /auth prepared (an empty line cancels it)."""
    pending, engine.auth_pending = engine.auth_pending, None
    engine.mode = "command"
    if pending is None:
        return
    if not password:
        engine.notice("info", "AUTH cancelled: no password given. Nothing was sent.")
        return
    helper = ClientAuth(pending[0], pending[1], password)
    del password
    step = helper.first()
    engine.notice("info", f"The shell sends: {step.explained}")
    exchange = await engine.send_command(step.line, shown=step.shown, kind="auth")
    while exchange is not None and exchange.reply is not None and exchange.reply.code == 334 and engine.connected:
        try:
            step = helper.answer(exchange.reply.lines[0])
        except AuthHelperError as error:
            engine.notice(
                "warning",
                f"The shell cannot go on: {error}.",
                "It sends * to cancel the exchange, as RFC 4954 §4 allows; the server answers 501.",
            )
            await engine.send_command("*", shown="*", state_command=AUTH_RESPONSE, kind="auth")
            return
        engine.notice("info", f"The shell answers the 334: {step.explained}")
        exchange = await engine.send_command(step.line, shown=step.shown, state_command=AUTH_RESPONSE, kind="auth")

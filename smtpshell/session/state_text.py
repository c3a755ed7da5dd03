"""The session state in words, for /state and for a front end's status line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smtpshell.proto.client_state import ClientState

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine


def transaction_text(state: ClientState) -> str:
    if state.in_data:
        return "typing the message (DATA)"
    if state.sender is None:
        return "no transaction"
    recipients = ", ".join(f"<{r}>" for r in state.recipients) or "no recipient yet"
    return f"from <{state.sender}> to {recipients}" + (" (BDAT chunks open)" if state.bdat_open else "")


def status_fields(engine: ShellEngine) -> list[tuple[str, str]]:
    """Short label/value pairs: connection, TLS, auth, transaction, mode."""
    state = engine.state
    connection = engine.target.describe() if engine.connected else "disconnected"
    return [
        ("connection", connection),
        ("TLS", "on" if state.tls else "off"),
        ("auth", state.authenticated or "no"),
        ("hello", "EHLO" if state.esmtp else "HELO" if state.helo else "not yet"),
        ("transaction", transaction_text(state)),
        ("mode", engine.mode + (" (raw)" if engine.raw else "")),
    ]


def describe(engine: ShellEngine) -> str:
    state = engine.state
    rows = [f"{label}: {value}" for label, value in status_fields(engine)]
    if state.helo:
        rows.append(f"greeted as: {state.helo}")
    if state.extensions:
        rows.append("extensions: " + ", ".join(f"{k} {v}".strip() for k, v in state.extensions.items()))
    if state.auth_mechanism:
        rows.append(f"AUTH {state.auth_mechanism} under way: the next line answers the server's 334")
    verbs = state.next_verbs()
    if verbs:
        rows.append("what makes sense now: " + ", ".join(verbs))
    return "\n".join(rows)

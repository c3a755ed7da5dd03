"""LMTP's one difference the shell must know (RFC 2033 §4.2): after the data, one reply per recipient.

Rule: when the message ends (the final '.' of DATA, or BDAT ... LAST), an LMTP server answers once for every
recipient its RCPT accepted, in RCPT order; each reply is read, recorded and explained as the answer for that
recipient. An SMTP server gives one reply for all.
"""

from __future__ import annotations

from dataclasses import replace

from smtpshell.explain.model import Explanation
from smtpshell.proto.client_state import DATA_END, ClientState
from smtpshell.proto.grammar import split_command

MORE_REPLIES = DATA_END  # the state reads each further reply as one more answer to the end of the data


def recipients_answering(state: ClientState, command: str) -> list[str]:
    """The recipients that each get a reply to ``command``: in LMTP, at the end of the message; else none."""
    if not state.lmtp or not state.recipients:
        return []
    if command == DATA_END:
        return list(state.recipients)
    line = split_command(command)
    if line.verb == "BDAT" and line.argument.upper().split()[-1:] == ["LAST"]:
        return list(state.recipients)
    return []


def shown_for(address: str) -> str:
    return f"(LMTP: reply for <{address}>)"


def recipient_note(address: str, index: int, count: int) -> str:
    return (
        f"LMTP (RFC 2033 §4.2): this is the reply for <{address}>, recipient {index + 1} of {count}. An LMTP "
        "server answers the end of the message once per accepted recipient, in RCPT order, so one mailbox may "
        "take the message while another refuses it; only the refused ones need sending again."
    )


def with_note(explanation: Explanation, note: str) -> Explanation:
    meaning = f"{explanation.meaning}\n\n{note}" if explanation.meaning else note
    return replace(explanation, meaning=meaning)

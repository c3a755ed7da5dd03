"""The README's list of the sandbox's limits says what the code enforces: each figure there is read from the code."""

from __future__ import annotations

from pathlib import Path

from smtpshell.net.connection_limits import DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS
from smtpshell.net.mailstore import DEFAULT_MEMORY_BYTES
from smtpshell.net.sandbox import CLOSE_GRACE
from smtpshell.proto.policy import AUTH_LINE_LIMIT, COMMAND_LINE_LIMIT, LINE_ALLOWANCE, TEXT_LINE_LIMIT, SandboxPolicy

README = Path(__file__).resolve().parents[2] / "README.md"


def _limits_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("Limits, each enforced")
    return " ".join(text[start : text.index("\n\n", text.index("- **Input**", start))].split())


def test_every_figure_in_the_readme_limits_is_the_codes() -> None:
    section = _limits_section()
    policy = SandboxPolicy()
    mail, rcpt = LINE_ALLOWANCE["MAIL"], LINE_ALLOWANCE["RCPT"]
    expected = [
        f"{policy.size_limit // (1024 * 1024)} MiB (SIZE",
        f"{policy.max_recipients} recipients per message",
        f"{COMMAND_LINE_LIMIT} octets counting the CRLF",
        f"SIZE {mail['SIZE']}, BODY {mail['8BITMIME']}, DSN {mail['DSN']}, AUTH {mail['AUTH']}, "
        f"SMTPUTF8 {mail['SMTPUTF8']}), RCPT {rcpt['DSN']} for DSN",
        f"{AUTH_LINE_LIMIT:,} octets (RFC 4954 §4)",
        f"{TEXT_LINE_LIMIT:,} octets counting the CRLF",
        f"{policy.max_errors} error replies",
        f"{policy.command_timeout / 60:g} minutes idle awaiting a command",
        f"{policy.data_timeout / 60:g} minutes idle inside a message",
        f"within {policy.command_deadline / 60:g} minutes of its first octet",
        f"within {policy.message_deadline / 60:g} minutes of the 354",
        f"{DEFAULT_MAX_CONNECTIONS} at once (`--max-connections`)",
        f"{DEFAULT_MAX_PER_ADDRESS} from one client address (`--max-per-address`)",
        f"up to {DEFAULT_MEMORY_BYTES // (1024 * 1024)} MiB (`--mailbox-memory`)",
        f"cut off {CLOSE_GRACE:g} s after the close",
    ]
    for figure in expected:
        assert figure in section, figure

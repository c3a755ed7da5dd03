"""A disconnection says who ended it, so a front end decides on that and never on the wording of the reason."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from smtpshell.proto.faults import FaultRule, ReplySpec
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import ConnectionChange
from smtpshell.tui.app import SMTPShellApp


def _disconnections(engine: ShellEngine) -> list[ConnectionChange]:
    return [r for r in engine.records if isinstance(r, ConnectionChange) and r.event == "disconnected"]


async def test_quit_is_the_clients_and_a_421_is_the_servers(smtpshell_home: Path) -> None:
    policy = SandboxPolicy()
    policy.faults.rules.append(FaultRule("NOOP", reply=ReplySpec(421, "4.3.2", "going away"), name="shutdown"))
    engine = ShellEngine(policy=policy, data_dir=smtpshell_home)
    await engine.start()
    try:
        await engine.submit("NOOP")
        assert [d.initiator for d in _disconnections(engine)] == ["server"]
        await engine.submit("/sandbox")
        await engine.submit("QUIT")
        assert [d.initiator for d in _disconnections(engine)][-1] == "client"
    finally:
        await engine.close()


def test_the_full_screen_shell_pops_up_by_initiator_not_by_wording() -> None:
    fake = SimpleNamespace(_last_record=None)
    worded_like_the_shell = "the shell closed the connection"
    unasked = ConnectionChange("disconnected", "sandbox", worded_like_the_shell, initiator="server")
    asked = ConnectionChange("disconnected", "sandbox", "the server went away", initiator="client")
    assert SMTPShellApp._unexpected(fake, unasked)  # type: ignore[arg-type]
    assert not SMTPShellApp._unexpected(fake, asked)  # type: ignore[arg-type]

"""A student's shell on the class server keeps the server's reasons, /mailbox and /server, as with the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from smtpshell.classroom.running import ClassServerThread
from smtpshell.classroom.student_link import attach_class_link
from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Exchange, Notice
from smtpshell.session.target import Target
from tests.session.helpers import exchanges, run

LINES = [
    "EHLO student01",
    "MAIL FROM:<student01@sandbox.test>",
    "RCPT TO:<nobody@sandbox.test>",
    "RCPT TO:<bob@elsewhere.example>",
    "RCPT TO:<student01@sandbox.test>",
    "VRFY dave",
    "DATA",
    "Subject: to myself",
    "",
    "hello",
    ".",
    "FROB",
]


def _reasons(engine: ShellEngine) -> list[tuple[int, str | None]]:
    return [(e.reply.code, e.server_reason) for e in exchanges(engine) if e.reply is not None and e.kind != "greeting"]


async def test_the_same_reply_gets_the_same_reason_as_from_the_built_in_sandbox(
    class_server: Callable[..., ClassServerThread], smtpshell_home: Path
) -> None:
    running = class_server(2)
    port = running.server.sandbox.port
    student = running.server.sandbox.roster.find("student01")
    assert student is not None
    remote = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
    attach_class_link(remote, "student01", student.password)
    sandbox_policy = SandboxPolicy()
    sandbox_policy.mailboxes["student01"] = "Student student01"  # the same directory as the class server's
    local = ShellEngine(policy=sandbox_policy, data_dir=smtpshell_home)
    try:
        await remote.start()
        await run(remote, *LINES)
        await local.start()
        await run(local, *LINES)
        from_class, from_sandbox = _reasons(remote), _reasons(local)
        assert [code for code, _ in from_class] == [250, 250, 550, 554, 250, 250, 354, 250, 500]
        assert from_class == from_sandbox
        assert all(reason for _, reason in from_class)
        greeting = exchanges(remote)[0]
        assert greeting.server_reason is not None and greeting.server_reason.startswith("the greeting")

        await remote.submit("/mailbox")
        listing = [r for r in remote.records if isinstance(r, Notice)][-1]
        assert "1 message" in listing.text and "to myself" in listing.detail
        await remote.submit("/server")
        side = [r for r in remote.records if isinstance(r, Notice)][-1]
        assert "C: RCPT TO:<nobody@sandbox.test>" in side.detail
        assert "because: RCPT refused: there is no mailbox 'nobody'" in side.detail
    finally:
        await remote.close()
        await local.close()


async def test_a_wrong_password_costs_the_mailbox_but_not_the_reasons(
    class_server: Callable[..., ClassServerThread], smtpshell_home: Path
) -> None:
    running = class_server(1)
    remote = ShellEngine(Target("remote", "127.0.0.1", running.server.sandbox.port), data_dir=smtpshell_home)
    link = attach_class_link(remote, "student01", "wrong password")
    try:
        await remote.start()
        await run(remote, "EHLO student01", "NOOP")
        assert link.active
        warnings = [r for r in remote.records if isinstance(r, Notice) and r.level == "warning"]
        assert len(warnings) == 1 and "401" in warnings[0].detail and "/mailbox is not available" in warnings[0].detail
        assert exchanges(remote)[-1].server_reason == "NOOP does nothing; the server is alive"
    finally:
        await remote.close()


async def test_a_server_that_names_no_channel_leaves_the_link_asleep(smtpshell_home: Path) -> None:
    from smtpshell.net.sandbox import SandboxThread

    with SandboxThread(data_dir=smtpshell_home) as plain:
        remote = ShellEngine(Target("remote", "127.0.0.1", plain.port), data_dir=smtpshell_home)
        link = attach_class_link(remote, None, None)
        try:
            await remote.start()
            await run(remote, "EHLO me.example", "NOOP")
            assert not link.active and link.url is None
            assert all(isinstance(e, Exchange) and e.server_reason is None for e in exchanges(remote))
            assert not [r for r in remote.records if isinstance(r, Notice) and r.level == "warning"]
        finally:
            await remote.close()


async def test_a_class_server_gone_mid_lesson_is_one_clear_notice(
    class_server: Callable[..., ClassServerThread], smtpshell_home: Path
) -> None:
    running = class_server(1)
    remote = ShellEngine(Target("remote", "127.0.0.1", running.server.sandbox.port), data_dir=smtpshell_home)
    link = attach_class_link(remote, None, None)
    try:
        await remote.start()
        await run(remote, "EHLO student01")
        assert link.active
        assert running.loop is not None
        asyncio.run_coroutine_threadsafe(running.server.channel.stop(), running.loop).result(30)
        await run(remote, "NOOP", "NOOP")
        warnings = [r for r in remote.records if isinstance(r, Notice) and r.level == "warning"]
        assert len(warnings) == 1 and "restarted" in warnings[0].detail
        assert [e.reply.code for e in exchanges(remote) if e.reply is not None][-2:] == [250, 250]
    finally:
        await remote.close()


async def test_a_lesson_on_the_class_server_has_its_faults_for_that_student_only_and_reports_progress(
    class_server: Callable[..., ClassServerThread], smtpshell_home: Path
) -> None:
    running = class_server(2)
    port = running.server.sandbox.port
    student = running.server.sandbox.roster.find("student01")
    assert student is not None
    engine = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
    link = attach_class_link(engine, "student01", student.password)
    engine.startup_lines.append("/lesson temporary-failures")
    try:
        await engine.start()
        assert running.call(running.server.sandbox.faults.describe_student, "student01") == ["greylist (lesson)"]
        await run(engine, "EHLO client.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>")
        assert [e.reply.code for e in exchanges(engine) if e.reply is not None][-1] == 451
        await link.settle()  # the report goes out beside the SMTP session; wait for it, not for a time
        reported = running.call(lambda: dict(running.server.feed.progress))
        assert reported["student01"]["lesson"] == "temporary-failures" and reported["student01"]["step"] == 1

        # Another student, the same HELO, sender and recipient: the lesson's greylisting is not theirs.
        other = ShellEngine(Target("remote", "127.0.0.1", port), data_dir=smtpshell_home)
        other_student = running.server.sandbox.roster.find("student02")
        assert other_student is not None
        attach_class_link(other, "student02", other_student.password)
        try:
            await other.start()
            await run(other, "EHLO client.example", "MAIL FROM:<alice@sandbox.test>", "RCPT TO:<bob@sandbox.test>")
            assert [e.reply.code for e in exchanges(other) if e.reply is not None][-1] == 250
        finally:
            await other.close()

        await run(engine, "RCPT TO:<bob@sandbox.test>")
        assert [e.reply.code for e in exchanges(engine) if e.reply is not None][-1] == 250
        await run(engine, "/lesson stop")
        assert running.call(running.server.sandbox.faults.describe_student, "student01") == []
    finally:
        await engine.close()

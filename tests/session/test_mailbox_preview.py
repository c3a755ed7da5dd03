"""A message as big as the sandbox takes (10 MiB) or with 10,000 headers is shown by /mailbox and the mailbox
view up to a bound, with how much was left out: no front end freezes or swells rendering it (a 10 MiB message
once took the full-screen UI 46 s and 800 MB). The message itself stays whole in the sandbox."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smtpshell.net.sandbox import Message
from smtpshell.session.engine import ShellEngine
from smtpshell.session.message_preview import PREVIEW_OCTETS, message_preview
from smtpshell.tui.mailbox import render_body, render_raw
from tests.session.helpers import notices, run

BIG = b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * 10_000
MANY_HEADERS = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 20) for i in range(10_000)) + b"Subject: many\r\n\r\nbody\r\n"


@pytest.fixture
async def engine(smtpshell_home: Path) -> AsyncIterator[ShellEngine]:
    engine = ShellEngine(data_dir=smtpshell_home)
    await engine.start()
    yield engine
    await engine.close()


async def deliver(engine: ShellEngine, content: bytes) -> Message:
    assert engine.sandbox is not None
    port = engine.sandbox.port

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.sendmail("alice@sandbox.test", ["bob@sandbox.test"], content)

    await asyncio.to_thread(send)
    return engine.mailbox()[-1]


@pytest.mark.parametrize("content", [BIG, MANY_HEADERS], ids=["10-MB", "10000-headers"])
async def test_mailbox_shows_the_start_of_a_big_message_and_says_how_much_is_left(
    engine: ShellEngine, content: bytes
) -> None:
    message = await deliver(engine, content)
    assert len(message.content) > len(content)  # stored whole, with its trace headers
    await run(engine, "/mailbox 1", "/mailbox")
    shown, listing = notices(engine)[-2:]
    assert shown.detail is not None and len(shown.detail.encode()) <= PREVIEW_OCTETS + 200
    _, left = message_preview(message.content)
    assert left > 0 and f"{left:,} more octets not shown" in shown.detail.splitlines()[-1]
    assert shown.detail.splitlines()[-3].endswith(("z", "v" * 20))  # cut at the end of a whole line
    assert listing.detail is not None and f"{len(message.content)} octets" in listing.detail


def test_a_small_message_is_shown_whole() -> None:
    text, left = message_preview(b"Subject: hi\r\n\r\nbody\r\n")
    assert (text, left) == ("Subject: hi\n\nbody\n", 0)


def test_a_preview_ends_on_a_whole_line_and_counts_the_rest() -> None:
    text, left = message_preview(BIG, 5_000)
    assert text.endswith("z\n") and len(text) <= 5_000
    assert left == len(BIG) - len(text.replace("\n", "\r\n"))


def test_one_line_longer_than_the_preview_is_cut_in_it() -> None:
    text, left = message_preview(b"X: " + b"a" * 10_000 + b"\r\n", 1_000)
    assert len(text) == 1_000 and left == 10_005 - 1_000


@pytest.mark.parametrize("render", [render_raw, render_body])
async def test_the_mailbox_view_renders_a_big_message_up_to_the_bound(engine: ShellEngine, render: object) -> None:
    message = await deliver(engine, BIG)
    shown = render(message).plain  # type: ignore[operator]
    assert len(shown) <= PREVIEW_OCTETS + 200 and "not shown" in shown


async def test_mailbox_n_file_saves_the_whole_message(engine: ShellEngine, tmp_path: Path) -> None:
    message = await deliver(engine, BIG)
    target = tmp_path / "message.eml"
    await run(engine, "/mailbox 1", f"/mailbox 1 {target}")
    assert "/mailbox 1 FILE" in (notices(engine)[-2].detail or "").splitlines()[-1]  # the preview says how
    assert target.read_bytes() == message.content
    assert f"Saved message 1 ({len(message.content):,} octets) to {target}" in notices(engine)[-1].text


async def test_mailbox_n_file_that_cannot_be_written_is_an_error(engine: ShellEngine, tmp_path: Path) -> None:
    await deliver(engine, b"Subject: hi\r\n\r\nbody\r\n")
    await run(engine, f"/mailbox 1 {tmp_path}/missing/dir/message.eml", "NOOP")
    assert "Could not save" in notices(engine, "error")[-1].text

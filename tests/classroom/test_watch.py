"""`serve --watch`: every command and reply printed as it happens, not when the session ends."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest

from tests.classroom.serving import Serving
from tests.net.wire import WireClient

posix_only = pytest.mark.skipif(os.name != "posix", reason="a pipe read with a deadline needs POSIX selectors")


@posix_only
def test_watch_prints_a_command_and_its_reason_before_the_session_ends(tmp_path: Path) -> None:
    passwords = str(tmp_path / "pw.txt")
    serving = Serving(tmp_path / "home", "--class", "2", "--auth-plaintext", "--watch", "--passwords", passwords)
    try:
        port = int(serving.wait_for(r"listening on 127\.0\.0\.1:(\d+)")[1])
        password = serving.wait_for(r"^    student01:(\S+)$")[1]
        client = WireClient(port)
        client.reply()
        client.command("EHLO student01")
        serving.wait_for(rf"#\d+ student01 {re.escape(client.local_address)} C: EHLO student01$")
        secret = base64.b64encode(f"\0student01\0{password}".encode()).decode()
        assert client.command(f"AUTH PLAIN {secret}")[0] == 235
        serving.wait_for(r"C: AUTH PLAIN \*\*\*\*$")
        serving.wait_for(r"S: 235 ")
        client.command("MAIL FROM:<x@example.org>")
        serving.wait_for(r"student01 .* S: 250 2\.1\.0 ")
        serving.wait_for(r"^\S+ #\d+ student01 \S+\s+\(MAIL accepted: a transaction is open")
        assert not any("closed" in line for line in serving.lines["out"])  # the session is still open
        client.command("QUIT")
        client.close()
        serving.wait_for(r"-- closed: client sent QUIT")
    finally:
        serving.stop()
    output = "\n".join(serving.lines["out"])
    assert secret not in output and password not in output.split("student01:", 1)[-1]


@posix_only
def test_watch_json_prints_one_object_a_line(tmp_path: Path) -> None:
    serving = Serving(tmp_path / "home", "--watch", "--json")
    try:
        port = int(serving.wait_for(r"listening on 127\.0\.0\.1:(\d+)", stream="err")[1])
        client = WireClient(port)
        client.reply()
        client.command("EHLO \x1b]0;evil")
        line = serving.wait_for(r'"kind": "command"')[0]
        event = json.loads(serving.wait_for(r'"code": 5').string)
        assert event["code"] == 501 and event["reason"]
        client.close()
    finally:
        serving.stop()
    assert "\x1b" not in line


def test_a_long_reply_is_one_line_and_its_reason_in_the_watch() -> None:
    from smtpshell.classroom.feed import FeedEvent, format_event

    event = FeedEvent(7, 0.0, 3, "127.0.0.1:5000", "student04", "lab", "reply", "250-a\n250-b\n250 c", 250, "why")
    lines = format_event(event).split("\n")
    assert len(lines) == 2
    assert lines[0].endswith("#3 student04 127.0.0.1:5000 S: 250-a  (+2 more lines)")
    assert lines[1].endswith("127.0.0.1:5000    (why)")

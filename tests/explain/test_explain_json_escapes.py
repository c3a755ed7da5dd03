"""`explain --json` keeps non-ASCII text readable (ensure_ascii off) but writes every character a terminal would
obey — C1 controls such as CSI (U+009B), DEL, the bidirectional overrides — as a JSON \\u escape: the JSON stays
valid and means the same, and a hostile bounce piped through it cannot drive the terminal."""

from __future__ import annotations

import io
import json

from smtpshell.explain import command as explain_command

HOSTILE = "550 5.7.1 café \x9b2J \x7f \u202e evil \x1b[2J \x07 😀 end\n"
UNSAFE = ["\x9b", "\x7f", "\u202e", "\x1b", "\x07"]


def test_json_of_a_hostile_transcript_has_no_raw_control_and_stays_the_same_text() -> None:
    out = io.StringIO()
    explain_command.main(["explain", "--json", "-"], out=out, stdin=io.StringIO(HOSTILE))
    written = out.getvalue()
    assert not [char for char in UNSAFE if char in written]
    assert "café" in written and "😀" in written
    assert "\\u009b" in written and "\\u007f" in written and "\\u202e" in written
    report = json.loads(written)
    assert report["items"][0]["text"].startswith("550 5.7.1 café \x9b2J \x7f \u202e evil \x1b[2J")


def test_json_of_a_topic_with_a_c1_control_is_escaped() -> None:
    out = io.StringIO()
    explain_command.main(["explain", "--json", "550 5.7.1 no \x85 \x9d0;title\x9c"], out=out)
    written = out.getvalue()
    assert not [char for char in "\x85\x9d\x9c" if char in written]
    assert json.loads(written)["topic"] == "550 5.7.1 no \x85 \x9d0;title\x9c"

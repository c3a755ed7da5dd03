"""A server that writes terminal escape sequences into every reply: banner, EHLO, NOOP, QUIT."""

from __future__ import annotations

import asyncio

# ESC ] 0 ; title BEL sets the terminal's title; ESC [ 2 J clears the screen; NUL; C1 CSI both as a raw octet
# (0x9B: an 8-bit terminal's CSI) and as UTF-8 (U+009B); DEL.
TITLE = b"\x1b]0;pwned\x07"
CLEAR = b"\x1b[2J"
HOSTILE = TITLE + b" " + CLEAR + b" nul\x00 raw-c1\x9b31m utf8-c1\xc2\x9b32m del\x7f"
SHOWN_TITLE = "\\x1b]0;pwned\\x07"  # how the title sequence must look once escaped
SHOWN_HOSTILE = "\\x1b]0;pwned\\x07 \\x1b[2J nul\\x00 raw-c1\\x9b31m utf8-c1\\x9b32m del\\x7f"
RAW_CONTROLS = (b"\x1b", b"\x07", b"\x00", b"\x9b", b"\x7f", b"\r")


def raw_controls(output: bytes) -> list[bytes]:
    """The control octets (and UTF-8 C1 characters) in ``output`` that a terminal would act on."""
    found = [control for control in RAW_CONTROLS if control in output]
    text = output.decode("utf-8", "replace")
    return found + [char.encode() for char in sorted(set(text)) if 0x80 <= ord(char) <= 0x9F]


async def hostile_script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 evil.example " + HOSTILE + b"\r\n")
    while line := await reader.readline():
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            writer.write(
                b"250-evil.example " + HOSTILE + b"\r\n250-SIZE 1000\r\n250-AUTH PLAIN X" + TITLE + b"\r\n"
                b"250 X-" + CLEAR + b"\r\n"
            )
        elif verb == b"QUIT":
            writer.write(b"221 bye " + HOSTILE + b"\r\n")
            await writer.drain()
            return
        else:
            writer.write(b"250 ok " + HOSTILE + b"\r\n")
        await writer.drain()

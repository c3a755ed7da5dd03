"""Framing of the SMTP byte stream: command lines, the DATA section, dot-stuffing.

Rule: only <CRLF>.<CRLF> ends DATA (RFC 5321 §4.1.1.4). A bare CR or LF inside the data is never a line end;
the reader flags it so the server can refuse the message instead of guessing, which is what SMTP smuggling
exploits when two servers guess differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CRLF = b"\r\n"


def dot_stuff(lines: Iterable[str]) -> bytes:
    """The message as sent after DATA: each line that starts with "." gets one more, then the ending "."."""
    out = bytearray()
    for line in lines:
        data = line.encode("utf-8", "surrogateescape")
        if data.startswith(b"."):
            out += b"."
        out += data + CRLF
    out += b"." + CRLF
    return bytes(out)


def dot_unstuff_line(line: bytes) -> bytes:
    return line[1:] if line.startswith(b".") else line


@dataclass
class DataReader:
    """Reads one DATA section from a buffer, line by line; only complete <CRLF>-ended lines are judged.

    Judging complete lines only makes the result independent of how the bytes were split into reads.
    """

    size_limit: int
    text_line_limit: int = 1000

    def __post_init__(self) -> None:
        self.content = bytearray()
        self.size = 0  # unstuffed octets, counted even after the limit is passed
        self.bare_cr = False
        self.bare_lf = False
        self.long_line = False
        self.eight_bit = False
        self.done = False
        self._line_start = True  # False while the rest of an over-long line is still arriving

    @property
    def too_big(self) -> bool:
        return self.size > self.size_limit

    def feed(self, buffer: bytearray) -> None:
        """Consume what can be judged from ``buffer`` (in place); sets ``done`` at the terminating line."""
        if not self._line_start:
            self._feed_line(buffer)  # finish the over-long line in progress first
        if self._line_start and not self.done:
            self._feed_lines(buffer)

    def _feed_lines(self, buffer: bytearray) -> None:
        # All complete lines at once, in C: the same judgements as line by line, without a Python loop per line.
        if buffer.startswith(b".\r\n"):
            del buffer[:3]
            self.done = True
            return
        end = buffer.find(b"\r\n.\r\n")
        if end >= 0:
            cut, self.done = end + 2, True
        else:
            cut = buffer.rfind(CRLF) + 2
        if cut >= 2:
            block = bytes(buffer[:cut])
            del buffer[: cut + (3 if self.done else 0)]
            self._take_block(block)
        if not self.done:
            self._hold_partial(buffer)

    def _take_block(self, block: bytes) -> None:
        """Judge whole CRLF-ended lines, the first starting a line."""
        crlf = block.count(CRLF)
        if block.count(b"\n") > crlf:
            self.bare_lf = True
        if block.count(b"\r") > crlf:
            self.bare_cr = True
        if not self.eight_bit and not block.isascii():
            self.eight_bit = True
        unstuffed = (CRLF + block).replace(b"\r\n.", CRLF)[2:]
        # Measured unstuffed: RFC 5321 §4.5.3.1.6 does not count the dot added for transparency.
        if not self.long_line and max(map(len, unstuffed.split(CRLF))) + 2 > self.text_line_limit:
            self.long_line = True
        self.size += len(unstuffed)
        if self.size <= self.size_limit:
            self.content += unstuffed

    def _feed_line(self, buffer: bytearray) -> None:
        end = buffer.find(CRLF)
        if end < 0:
            self._hold_partial(buffer)
            return
        line = bytes(buffer[:end])
        del buffer[: end + 2]
        self._take(line)
        self._line_start = True

    def _hold_partial(self, buffer: bytearray) -> None:
        # An unfinished line can grow without bound; once it is over the limit, judge what arrived and drop
        # it (keeping a trailing CR, which may start the CRLF), so memory stays small whatever the client sends.
        if len(buffer) <= self.text_line_limit + 2:
            return
        keep = 1 if buffer.endswith(b"\r") else 0
        chunk = bytes(buffer[: len(buffer) - keep])
        del buffer[: len(buffer) - keep]
        self.long_line = True
        self._take(dot_unstuff_line(chunk) if self._line_start else chunk, line_end=False)
        self._line_start = False

    def _take(self, line: bytes, line_end: bool = True) -> None:
        if b"\n" in line:
            self.bare_lf = True
        if b"\r" in line:
            self.bare_cr = True
        if len(line) + 2 > self.text_line_limit:
            self.long_line = True
        if not self.eight_bit and not line.isascii():
            self.eight_bit = True
        added = len(line) + (2 if line_end else 0)
        self.size += added
        if self.size <= self.size_limit:
            self.content += line
            if line_end:
                self.content += CRLF

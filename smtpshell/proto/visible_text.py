"""How text from the network is shown: every character a terminal would obey instead of print is written out.

Rule: ESC, BEL, NUL and the other C0 controls, DEL, the C1 controls (0x80-0x9F, which many terminals read as
ESC sequences too), octets that were not UTF-8 and Unicode's line separators and bidirectional overrides are
shown as ``\\xNN`` (or ``\\uNNNN``), never passed on. A tab stays a tab; ``visible_lines`` also keeps line feeds.
Every front end and report shows text it did not write through these functions, so a banner cannot set the
terminal's title, clear the screen or forge a line of the transcript.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

# U+2028/2029 end lines in some renderers; U+202A-202E and U+2066-2069 reorder text (a forged "250" that reads
# as "550"); U+200E/200F, U+061C are the invisible direction marks.
_UNICODE_UNSAFE = frozenset((0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an octet that was not UTF-8, kept by the surrogateescape decoder
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _unsafe(code: int) -> bool:
    return code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in _UNICODE_UNSAFE


# str.translate with a table built once for the Latin range; the rarer code points are looked up as met.
_TABLE: dict[int, str] = {code: _escape(chr(code)) for code in range(0x100) if _unsafe(code)} | {0x09: "\t"}


class _Escapes(dict[int, str]):
    def __missing__(self, code: int) -> str:
        if _unsafe(code):
            return _escape(chr(code))
        raise LookupError(code)  # str.translate leaves the character as it is


_ESCAPES = _Escapes(_TABLE)


def visible(text: str) -> str:
    """``text`` as one line that is safe to print: every control character (but tab) escaped, line feeds too."""
    if text.isprintable():  # the common case: nothing to do (a tab is not printable, so it takes the long way)
        return text
    return text.translate(_ESCAPES)


def visible_lines(text: str) -> str:
    """Several lines that are safe to print: line ends (LF or CRLF) kept, every other control character escaped."""
    return "\n".join(visible(line) for line in text.replace("\r\n", "\n").split("\n"))


def visible_data(value: T) -> T:
    """A copy of ``value`` (a string, or dataclasses, tuples, lists and dicts of them) with every string made
    safe by ``visible_lines``. Other values are returned as they are."""
    return _clean(value)  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return visible_lines(value)
    if isinstance(value, tuple):
        return type(value)(*map(_clean, value)) if hasattr(value, "_fields") else tuple(map(_clean, value))
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value

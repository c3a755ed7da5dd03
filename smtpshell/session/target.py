"""Where the shell connects: the built-in sandbox, or a real server given as HOST[:PORT].

Rule: a bare IPv6 address needs brackets when it carries a port (``[::1]:2525``), as in URLs; the parsing itself
is the client's (net/client.py split_host_port), so /connect and `smtpshell probe` read addresses alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from smtpshell.net.client import split_host_port
from smtpshell.proto.grammar import is_ascii_digits

TargetKind = Literal["sandbox", "remote"]
TLSMode = Literal["none", "starttls", "implicit"]

SUBMISSION_PORT_TLS = 465  # RFC 8314: implicit TLS for message submission


class TargetError(ValueError):
    """A HOST[:PORT] the shell cannot use; the message says what to write instead."""


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    host: str = ""
    port: int = 25
    tls: TLSMode = "none"
    insecure: bool = False
    cafile: str | None = None

    def describe(self) -> str:
        """``sandbox`` or ``host:port`` (``[::1]:25`` for IPv6), as records name the target."""
        if self.kind == "sandbox":
            return "sandbox"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_host_port(text: str, default_port: int = 25) -> tuple[str, int]:
    """``mail.example``, ``mail.example:587``, ``::1``, ``[::1]:2525`` -> (host, port); the client's rules."""
    try:
        return split_host_port(text, default_port)
    except ValueError as error:
        raise TargetError(str(error)) from None


@dataclass(frozen=True)
class ConnectRequest:
    """The words of /connect (and of `smtpshell connect`) read: where to go, and how.

    Where is one of: ``host`` (HOST[:PORT]), ``choice`` (N or N:PORT, a host from the last --mx list) or ``mx``
    (a domain whose mail servers to list first).
    """

    host: str | None = None
    choice: str | None = None
    mx: str | None = None
    tls: TLSMode = "none"
    insecure: bool = False
    cafile: str | None = None

    @property
    def has_options(self) -> bool:
        return self.tls != "none" or self.insecure or self.cafile is not None

    def target(self, host_text: str | None = None) -> Target:
        """The remote Target for ``host_text`` (HOST[:PORT]; the request's own host by default) and these options."""
        text = host_text if host_text is not None else self.host
        if text is None:
            raise TargetError("give a host: /connect mail.example.com[:PORT]")
        host, port = parse_host_port(text, SUBMISSION_PORT_TLS if self.tls == "implicit" else 25)
        return Target("remote", host, port, self.tls, self.insecure, self.cafile)

    def with_options_of(self, other: ConnectRequest) -> ConnectRequest:
        """This request, taking TLS and certificate options from ``other`` unless it has its own."""
        if self.has_options:
            return self
        return ConnectRequest(self.host, self.choice, self.mx, other.tls, other.insecure, other.cafile)


def is_choice(word: str) -> bool:
    """``2`` or ``2:587``: a number from a list of hosts (no host name is all digits)."""
    number, _, port = word.partition(":")
    return is_ascii_digits(number) and (not port or is_ascii_digits(port))


def parse_connect_request(words: list[str]) -> ConnectRequest:
    """``HOST[:PORT] | N[:PORT] | --mx DOMAIN`` with ``[--starttls|--tls] [--insecure] [--cafile FILE]``."""
    where: str | None = None
    mx: str | None = None
    tls: TLSMode = "none"
    insecure = False
    cafile: str | None = None
    rest = list(words)
    while rest:
        word = rest.pop(0)
        if word in ("--starttls", "--tls"):
            chosen: TLSMode = "starttls" if word == "--starttls" else "implicit"
            if tls not in ("none", chosen):
                raise TargetError("choose one of --starttls (upgrade after connecting) and --tls (TLS at once)")
            tls = chosen
        elif word == "--insecure":
            insecure = True
        elif word in ("--cafile", "--mx"):
            if not rest or rest[0].startswith("-"):
                raise TargetError(
                    f"{word} needs a value: {'--cafile ca.pem' if word == '--cafile' else '--mx example.com'}"
                )
            if word == "--mx":
                mx = rest.pop(0)
            else:
                cafile = rest.pop(0)
        elif word.startswith(("--cafile=", "--mx=")):
            name, _, value = word.partition("=")
            if name == "--mx":
                mx = value
            else:
                cafile = value
        elif word.startswith("-"):
            raise TargetError(f"unknown option {word}; use --mx DOMAIN, --starttls, --tls, --insecure or --cafile FILE")
        elif where is None:
            where = word
        else:
            raise TargetError(f"one host only: {where} or {word}?")
    if mx is not None and where is not None:
        raise TargetError(f"give a host or --mx DOMAIN, not both ({where} and --mx {mx})")
    if mx is not None and not mx.strip(" ."):
        raise TargetError("--mx needs a domain: --mx example.com")
    if mx is None and where is None:
        raise TargetError("give a host: /connect mail.example.com[:PORT], or --mx DOMAIN to list its mail servers")
    if where is not None and is_choice(where):
        return ConnectRequest(None, where, None, tls, insecure, cafile)
    request = ConnectRequest(where, None, mx, tls, insecure, cafile)
    if where is not None:
        request.target()  # check HOST[:PORT] now, so a bad one is refused before anything happens
    return request


def parse_connect_args(words: list[str]) -> Target:
    """``HOST[:PORT] [--starttls|--tls] [--insecure] [--cafile FILE]`` (the words of /connect) -> a Target."""
    request = parse_connect_request(words)
    if request.host is None:
        raise TargetError("give a host: /connect mail.example.com[:PORT]")
    return request.target()

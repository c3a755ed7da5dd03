"""Where the shell connects: the built-in sandbox, or a real server given as HOST[:PORT].

Rule: a bare IPv6 address needs brackets when it carries a port (``[::1]:2525``), as in URLs; the parsing itself
is the client's (net/client.py split_host_port), so /connect and `smtpshell probe` read addresses alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from smtpshell.net.client import split_host_port

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


def parse_connect_args(words: list[str]) -> Target:
    """``HOST[:PORT] [--starttls|--tls] [--insecure] [--cafile FILE]`` (the words of /connect) -> a Target."""
    host_text: str | None = None
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
        elif word == "--cafile":
            if not rest:
                raise TargetError("--cafile needs a file: --cafile ca.pem")
            cafile = rest.pop(0)
        elif word.startswith("--cafile="):
            cafile = word.partition("=")[2]
        elif word.startswith("-"):
            raise TargetError(f"unknown option {word}; use --starttls, --tls, --insecure or --cafile FILE")
        elif host_text is None:
            host_text = word
        else:
            raise TargetError(f"one host only: {host_text} or {word}?")
    if host_text is None:
        raise TargetError("give a host: /connect mail.example.com[:PORT]")
    host, port = parse_host_port(host_text, SUBMISSION_PORT_TLS if tls == "implicit" else 25)
    return Target("remote", host, port, tls, insecure, cafile)

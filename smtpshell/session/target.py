"""Where the shell connects: the built-in sandbox, or a real server given as HOST[:PORT].

Rule: a bare IPv6 address needs brackets when it carries a port (``[::1]:2525``), as in URLs; the parsing itself
is the client's (net/client.py split_host_port), and the options are read by the one parser that `smtpshell
connect` and `smtpshell probe` use too (net/connect_options.py), so all three read them alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from smtpshell.net.client import split_host_port
from smtpshell.net.connect_options import ConnectOptions, OptionError, TLSMode, check_options, options_from, word_parser

__all__ = ["ConnectOptions", "ConnectRequest", "TLSMode", "Target", "TargetError", "parse_connect_request"]
from smtpshell.proto.grammar import is_ascii_digits

TargetKind = Literal["sandbox", "remote"]

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
    options: ConnectOptions = field(default_factory=ConnectOptions, compare=False)  # --sni, --helo, --lmtp, ...

    def __post_init__(self) -> None:
        # tls, insecure and cafile are kept as fields for those who build a Target by hand; options agrees.
        merged = replace(self.options, tls=self.tls, insecure=self.insecure, cafile=self.cafile)
        object.__setattr__(self, "options", merged)

    def describe(self) -> str:
        """``sandbox`` or ``host:port`` (``[::1]:25`` for IPv6), as records name the target."""
        if self.kind == "sandbox":
            return "sandbox"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def target_preamble(target: Target) -> Callable[[str, str], bytes] | None:
    """What to send before the first SMTP byte: a PROXY header with --proxy-protocol, else nothing."""
    version = target.options.proxy_protocol
    if target.kind != "remote" or version is None:
        return None
    from smtpshell.net.proxy_header import proxy_header

    return lambda local, peer: proxy_header(version, local, peer)


def parse_host_port(text: str, default_port: int = 25) -> tuple[str, int]:
    """``mail.example``, ``mail.example:587``, ``::1``, ``[::1]:2525`` -> (host, port); the client's rules."""
    try:
        return split_host_port(text, default_port)
    except ValueError as error:
        raise TargetError(str(error)) from None


def remote_target(text: str, options: ConnectOptions) -> Target:
    host, port = parse_host_port(text, SUBMISSION_PORT_TLS if options.tls == "implicit" else 25)
    return Target("remote", host, port, options.tls, options.insecure, options.cafile, options)


@dataclass(frozen=True)
class ConnectRequest:
    """The words of /connect (and of `smtpshell connect`) read: where to go, and how.

    Where is one of: ``host`` (HOST[:PORT]), ``choice`` (N or N:PORT, a host from the last --mx list) or ``mx``
    (a domain whose mail servers to list first).
    """

    host: str | None = None
    choice: str | None = None
    mx: str | None = None
    options: ConnectOptions = field(default_factory=ConnectOptions)

    @property
    def tls(self) -> TLSMode:
        return self.options.tls

    @property
    def has_options(self) -> bool:
        return self.options.has_options

    def target(self, host_text: str | None = None) -> Target:
        """The remote Target for ``host_text`` (HOST[:PORT]; the request's own host by default) and these options."""
        text = host_text if host_text is not None else self.host
        if text is None:
            raise TargetError("give a host: /connect mail.example.com[:PORT]")
        return remote_target(text, self.options)

    def with_options_of(self, other: ConnectRequest) -> ConnectRequest:
        """This request, taking the connection options from ``other`` unless it has its own."""
        if self.has_options:
            return self
        return ConnectRequest(self.host, self.choice, self.mx, other.options)


def is_choice(word: str) -> bool:
    """``2`` or ``2:587``: a number from a list of hosts (no host name is all digits)."""
    number, _, port = word.partition(":")
    return is_ascii_digits(number) and (not port or is_ascii_digits(port))


def parse_connect_request(words: list[str]) -> ConnectRequest:
    """``HOST[:PORT] | N[:PORT] | --mx DOMAIN`` with the connection options (``--starttls|--tls``, ...)."""
    try:
        namespace = word_parser("/connect").parse_args(words)
        options = options_from(namespace, check_files=False)
    except OptionError as error:
        raise TargetError(_plain(str(error))) from None
    where: str | None = namespace.where
    mx: str | None = namespace.mx
    if mx is not None and where is not None:
        raise TargetError(f"give a host or --mx DOMAIN, not both ({where} and --mx {mx})")
    if mx is not None and not mx.strip(" ."):
        raise TargetError("--mx needs a domain: --mx example.com")
    if mx is None and where is None:
        raise TargetError("give a host: /connect mail.example.com[:PORT], or --mx DOMAIN to list its mail servers")
    if where is not None and is_choice(where):
        return ConnectRequest(None, where, None, options)
    request = ConnectRequest(where, None, mx, options)
    if where is not None:
        request.target()  # check HOST[:PORT] now, so a bad one is refused before anything happens
    return request


_EXAMPLES = {
    "--mx": "example.com",
    "--cafile": "ca.pem",
    "--sni": "mail.example.com",
    "--verify-name": "mail.example.com",
    "--helo": "client.example.com",
    "--tls-version": "1.3",
    "--proxy-protocol": "v2",
}


def _plain(message: str) -> str:
    """argparse's words for the shell's user, who typed /connect rather than a program name."""
    if message.startswith("unrecognized arguments:"):
        extra = message.split(":", 1)[1].strip()
        if extra.startswith("-"):
            return f"unknown option {extra}; /help connect lists the options"
        return f"one host only, not also {extra}"
    if message.endswith("expected one argument"):
        flag = message.split()[1].rstrip(":").split("/")[-1]
        return f"{flag} needs a value: {flag} {_EXAMPLES.get(flag, 'VALUE')}"
    if "not allowed with argument" in message:
        return f"{message}: choose one"
    return message


def parse_connect_args(words: list[str]) -> Target:
    """``HOST[:PORT]`` and the connection options (the words of /connect) -> a Target."""
    request = parse_connect_request(words)
    if request.host is None:
        raise TargetError("give a host: /connect mail.example.com[:PORT]")
    return request.target()


def checked(options: ConnectOptions) -> ConnectOptions:
    """``options`` after the checks made before connecting (the --cafile file is read); TargetError if wrong."""
    try:
        check_options(options)
    except OptionError as error:
        raise TargetError(str(error)) from None
    return options

"""What can go wrong on a client connection, each with a headline and advice a learner can act on.

Rule: every failure below the SMTP replies themselves (no route, no TLS, no answer, no sense) reaches the user
as a ClientError; the shell shows it and keeps running. Re-exported by smtpshell.net.client.
"""

from __future__ import annotations

import errno
import socket


class ClientError(Exception):
    """A connection-level failure: ``headline`` says what happened, ``advice`` what to do about it."""

    kind = "error"

    def __init__(self, headline: str, advice: str = "", *, kind: str | None = None, detail: str = "") -> None:
        super().__init__(headline)
        self.headline = headline
        self.advice = advice
        self.detail = detail  # what was received or raised, for those who want it
        if kind is not None:
            self.kind = kind

    def __str__(self) -> str:
        return self.headline


class ConnectFailed(ClientError):
    """No TCP connection: refused, name does not resolve, unreachable, no answer, or not a host name."""

    kind = "connect"


class TLSFailed(ClientError):
    """The TLS handshake failed (certificate, protocol) or the TLS settings cannot be used."""

    kind = "tls"


class ServerSilent(ClientError):
    """The server sent nothing for the whole timeout. The connection is closed afterwards."""

    kind = "timeout"

    def __init__(self, headline: str, advice: str = "", *, waited: float, waiting_for: str) -> None:
        super().__init__(headline, advice)
        self.waited = waited
        self.waiting_for = waiting_for


class ConnectionDropped(ClientError):
    """The server closed the connection, perhaps in the middle of a reply (``partial`` holds what came)."""

    kind = "dropped"

    def __init__(self, headline: str, advice: str = "", *, partial: bytes = b"", detail: str = "") -> None:
        super().__init__(headline, advice, detail=detail)
        self.partial = partial


class BadReply(ClientError):
    """The server sent something that is not an SMTP reply (garbage, or a line far too long)."""

    kind = "bad-reply"


_PORT_HINT = "25 is for server-to-server mail, 587 for submission with STARTTLS, 465 for implicit TLS (--tls)"


def connect_failed(host: str, port: int, error: BaseException, timeout: float) -> ConnectFailed:
    """Explain why a TCP connection to host:port could not be made."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # ::1:25 would read as a longer address
    if isinstance(error, UnicodeError):
        return ConnectFailed(
            f"{host!r} is not a valid host name",
            "A host name is labels of letters, digits and hyphens (1 to 63 each) joined by dots; "
            "an IPv6 address goes in brackets, as in [::1]:25.",
            kind="invalid",
            detail=str(error),
        )
    if isinstance(error, socket.gaierror):
        if error.errno == socket.EAI_AGAIN:
            return ConnectFailed(
                f"Could not look up {host}: DNS did not answer in time",
                "A temporary DNS failure; try again, or check this computer's network and DNS settings.",
                kind="unresolved",
                detail=str(error),
            )
        return ConnectFailed(
            f"The name {host} does not resolve to an address",
            "Check the spelling. A mail domain's server usually has another name: look it up with "
            "--mx DOMAIN, which lists the domain's mail servers.",
            kind="unresolved",
            detail=str(error),
        )
    if isinstance(error, ConnectionRefusedError):
        return ConnectFailed(
            f"Connection refused by {where}",
            f"The host answered, but nothing listens on port {port} (or a firewall rejects it). {_PORT_HINT}.",
            kind="refused",
            detail=str(error),
        )
    if isinstance(error, TimeoutError):
        return ConnectFailed(
            f"No answer from {where} within {timeout:g} s",
            "A firewall is probably dropping the packets silently; many home and cloud networks block "
            f"outgoing port 25. Try port 587, or another network. {_PORT_HINT}.",
            kind="timeout",
            detail=str(error),
        )
    if isinstance(error, OSError) and error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
        return ConnectFailed(
            f"{where} cannot be reached from here: {error.strerror}",
            "This computer has no route to that address; for an IPv6 address, this network may lack IPv6.",
            kind="unreachable",
            detail=str(error),
        )
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return ConnectFailed(f"Could not connect to {where}: {text}", _PORT_HINT + ".", detail=str(error))


class Flooded(ConnectionDropped):
    """The server sent more than the client keeps while it awaits no reply; the connection was closed."""

    kind = "flooded"


def flooded(octets: int, limit: int) -> Flooded:
    return Flooded(
        f"The server sent {octets} octets nobody asked for",
        f"No reply was awaited, so nothing should have come (a 421 before closing is the one exception, RFC 5321 "
        f"§3.8). Past {limit} such octets the shell stops reading and closes the connection, so a server that "
        "floods cannot fill this computer's memory. Such a server is broken or hostile.",
    )

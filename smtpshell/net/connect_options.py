"""How to reach a real server, read in one place for `smtpshell connect`, `smtpshell probe` and /connect.

Rule: every option that says how to talk to a server (TLS mode, trust, TLS version, names, greeting, protocol,
PROXY header) is declared once here; a wrong value is a usage error before anything is sent, including a
--cafile that is not a PEM file.
"""

from __future__ import annotations

import argparse
import os
import ssl
from dataclasses import dataclass, replace
from typing import Literal, NoReturn

from smtpshell.net.tls_info import TLS_VERSIONS, TLSSettings

TLSMode = Literal["none", "starttls", "implicit"]
PROXY_VERSIONS = ("v1", "v2")


class OptionError(ValueError):
    """A connection option the shell cannot use; the message says what to write instead."""


@dataclass(frozen=True)
class ConnectOptions:
    tls: TLSMode = "none"
    insecure: bool = False
    cafile: str | None = None
    tls_version: str | None = None  # "1.2" or "1.3"
    sni: str | None = None
    verify_name: str | None = None
    helo: str | None = None  # the name the shell gives in the EHLO (LHLO) it sends by itself
    lmtp: bool = False  # RFC 2033: LHLO, and one reply per recipient after DATA
    proxy_protocol: str | None = None  # "v1" or "v2": a HAProxy PROXY header before anything else

    @property
    def has_options(self) -> bool:
        return self != ConnectOptions()

    def tls_settings(self, host: str) -> TLSSettings:
        """What to check and send during the handshake with ``host``: --verify-name and --sni default to each other."""
        checked = self.verify_name or self.sni or host
        return TLSSettings(
            verify=not self.insecure,
            cafile=self.cafile,
            server_hostname=checked,
            sni=self.sni,
            tls_version=self.tls_version,
        )

    def with_tls(self, tls: TLSMode) -> ConnectOptions:
        return replace(self, tls=tls)


class _WordParser(argparse.ArgumentParser):
    """argparse for the words of /connect: an error is raised for the shell to show, never an exit."""

    def error(self, message: str) -> NoReturn:
        raise OptionError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise OptionError(message or "see /help connect")


def add_connect_options(parser: argparse.ArgumentParser, *, starttls: bool = True, mode: bool = True) -> None:
    """Declare the options on ``parser``; ``starttls=False`` for the probe, which upgrades whenever offered."""
    if mode:
        tls = parser.add_mutually_exclusive_group()
        if starttls:
            tls.add_argument("--starttls", action="store_true", help="send EHLO and STARTTLS right after the greeting")
        tls.add_argument("--tls", action="store_true", help="TLS from the first byte (implicit TLS, port 465)")
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument("--insecure", action="store_true", help="do not check the server's certificate")
    trust.add_argument("--cafile", metavar="FILE", help="trust this CA or certificate (PEM) instead of the system's")
    parser.add_argument("--tls-version", choices=sorted(TLS_VERSIONS), help="speak only this TLS version")
    parser.add_argument("--sni", metavar="NAME", help="the server name to send in the TLS handshake (SNI)")
    parser.add_argument(
        "--verify-name", metavar="NAME", help="check the certificate for this name instead of the host connected to"
    )
    parser.add_argument("--helo", metavar="NAME", help="the name to give in EHLO (default: our own address)")
    parser.add_argument("--lmtp", action="store_true", help="speak LMTP (RFC 2033): LHLO, a reply per recipient")
    parser.add_argument(
        "--proxy-protocol", choices=PROXY_VERSIONS, help="send a HAProxy PROXY header (v1 text, v2 binary) first"
    )


def options_from(namespace: argparse.Namespace, *, check_files: bool = True) -> ConnectOptions:
    """The options argparse read, checked: raises OptionError with what to write instead."""
    tls: TLSMode = (
        "implicit"
        if getattr(namespace, "tls", False)
        else "starttls"
        if getattr(namespace, "starttls", False)
        else "none"
    )
    options = ConnectOptions(
        tls=tls,
        insecure=bool(namespace.insecure),
        cafile=namespace.cafile,
        tls_version=namespace.tls_version,
        sni=namespace.sni,
        verify_name=namespace.verify_name,
        helo=namespace.helo,
        lmtp=bool(namespace.lmtp),
        proxy_protocol=namespace.proxy_protocol,
    )
    check_options(options, check_files=check_files)
    return options


def check_options(options: ConnectOptions, *, check_files: bool = True) -> None:
    if options.cafile is not None and check_files:
        check_cafile(options.cafile)
    for flag, name in (("--sni", options.sni), ("--verify-name", options.verify_name)):
        if name is not None and not _is_name(name):
            raise OptionError(f"{flag} takes a host name, such as mail.example.com (got {name!r})")
    if options.insecure and options.verify_name is not None:
        raise OptionError("--verify-name checks the certificate; --insecure skips the check: choose one")
    if options.helo is not None:
        helo = options.helo
        if not helo.strip() or any(char in helo for char in " \t\r\n\0") or not helo.isprintable():
            raise OptionError("--helo takes one name, such as mail.example.com or [192.0.2.1]")


def check_cafile(path: str) -> None:
    """A usage error now, not a TLS failure later: the file must exist and hold PEM certificates."""
    if not os.path.isfile(path):
        raise OptionError(f"--cafile {path}: no such file")
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or str(error)
        if _looks_like_der(path):  # a .cer or .der straight from a browser or a Windows export
            raise OptionError(
                f"--cafile {path}: a binary (DER) certificate, not PEM; convert it with "
                f"openssl x509 -inform DER -in {path} -out {path}.pem, then give that file"
            ) from None
        raise OptionError(
            f"--cafile {path}: not a PEM certificate file ({reason}); give one or more "
            "-----BEGIN CERTIFICATE----- blocks"
        ) from None


def _looks_like_der(path: str) -> bool:
    """An ASN.1 SEQUENCE with a long-form length, as every DER certificate starts."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
    except OSError:
        return False
    return head in (b"\x30\x82", b"\x30\x83")


def _is_name(name: str) -> bool:
    if not name or len(name) > 253 or not name.isascii():
        return False
    labels = name.rstrip(".").split(".")
    return all(label and len(label) <= 63 and all(c.isalnum() or c in "-_*" for c in label) for label in labels)


def word_parser(prog: str, *, mx: bool = True) -> argparse.ArgumentParser:
    """The parser for /connect's words: HOST[:PORT] (or N[:PORT]), --mx DOMAIN, and the connect options."""
    parser = _WordParser(prog=prog, add_help=False, allow_abbrev=False)
    parser.add_argument("where", nargs="?")
    if mx:
        parser.add_argument("--mx", metavar="DOMAIN")
    add_connect_options(parser)
    return parser

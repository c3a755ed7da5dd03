"""What a real SMTP server supports, found by talking to it: banner, EHLO, STARTTLS, EHLO again, VRFY, EXPN.

Rule: the probe sends no mail (no MAIL, RCPT or DATA) and stops at the first stage that fails, keeping what it
learnt so far; the stage that failed decides the exit code. No output here: ProbeReport is data to render.
"""

from __future__ import annotations

import importlib
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from smtpshell.net.addresses import address_literal
from smtpshell.net.client import ClientConnection, ClientError, TLSDetails, TLSFailed, TLSSettings
from smtpshell.net.connect_options import ConnectOptions
from smtpshell.net.tls_info import explain_verification_failure
from smtpshell.proto.client_state import parse_ehlo_keywords
from smtpshell.proto.commands import COMMANDS, MAIL_PARAMS, RCPT_PARAMS
from smtpshell.proto.grammar import is_ascii_digits, is_domain
from smtpshell.proto.replies import Reply

# Exit codes: which stage failed. 1 is left to Python (an unexpected crash).
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_CONNECT = 3
EXIT_BANNER = 4
EXIT_EHLO = 5
EXIT_TLS = 6
EXIT_PROBE = 7  # the connection failed later, during VRFY or EXPN
STAGE_EXIT: dict[str, int] = {
    "connect": EXIT_CONNECT,
    "banner": EXIT_BANNER,
    "ehlo": EXIT_EHLO,
    "tls": EXIT_TLS,
    "probe": EXIT_PROBE,
}

# The extensions every report states yes or no for, whether or not the server lists them.
HIGHLIGHTED = ("PIPELINING", "CHUNKING", "SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES", "8BITMIME")

MIB = 1024 * 1024
_ENHANCED = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}")


@dataclass
class ProbeOptions:
    host: str
    port: int = 25
    implicit_tls: bool = False  # TLS from the first byte (port 465)
    insecure: bool = False
    cafile: str | None = None
    timeout: float = 30.0  # for connecting, the TLS handshake and every reply
    helo: str | None = None  # default: our own address as an address literal, "[192.0.2.1]"
    tls_version: str | None = None
    sni: str | None = None
    verify_name: str | None = None
    require_tls: bool = False  # no TLS is a failure (exit 6), as a monitor wants it
    min_days: float | None = None  # a certificate expiring sooner is a failure (exit 6)
    lmtp: bool = False
    proxy_protocol: str | None = None
    on_stage: Callable[[StageEvent], None] | None = None  # progress, as each stage starts and ends

    def connect_options(self) -> ConnectOptions:
        return ConnectOptions(
            tls="implicit" if self.implicit_tls else "starttls",
            insecure=self.insecure,
            cafile=self.cafile,
            tls_version=self.tls_version,
            sni=self.sni,
            verify_name=self.verify_name,
            helo=self.helo,
            lmtp=self.lmtp,
            proxy_protocol=self.proxy_protocol,
        )

    def tls_settings(self) -> TLSSettings:
        return self.connect_options().tls_settings(self.host)


@dataclass(frozen=True)
class StageEvent:
    """One stage begun (``ok`` None) or ended, for progress lines and `--brief`."""

    stage: str  # connect, banner, ehlo, tls, probe, quit
    ok: bool | None
    text: str


@dataclass(frozen=True)
class ProbeFailure:
    stage: str  # connect, banner, ehlo, tls, probe
    kind: str
    headline: str
    advice: str
    detail: str = ""


@dataclass(frozen=True)
class ExtensionRow:
    keyword: str
    before_tls: str | None  # parameters as advertised before TLS; None: not advertised then
    after_tls: str | None
    meaning: str
    reading: str  # the parameters read for a person ("limit 34.2 MiB"); "" when nothing to read


@dataclass(frozen=True)
class Answer:
    """How the server answered VRFY or EXPN, and what that says about it."""

    reply: Reply
    answers: bool | None  # True: it reveals addresses; False: it will not; None: it refused for another reason
    verdict: str


@dataclass
class ProbeReport:
    host: str
    port: int
    implicit_tls: bool = False
    lmtp: bool = False
    checks: dict[str, Any] = field(default_factory=dict)  # require_tls, min_days: what the run asked for
    peer_address: str = ""
    local_address: str = ""
    failure: ProbeFailure | None = None
    connect_seconds: float | None = None
    banner: Reply | None = None
    banner_seconds: float | None = None  # from the connection being ready (after TLS with --tls) to the banner
    greeting: str | None = None  # "EHLO" or "HELO", whichever was accepted
    helo_name: str = ""
    extensions_before_tls: dict[str, str] | None = None  # None: there was no plaintext EHLO
    extensions_after_tls: dict[str, str] | None = None  # None: no EHLO over TLS
    starttls_reply: Reply | None = None
    tls: TLSDetails | None = None
    vrfy: Answer | None = None
    expn: Answer | None = None
    transcript: list[tuple[str, str]] = field(default_factory=list)  # ("C" | "S", line)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return STAGE_EXIT[self.failure.stage] if self.failure else EXIT_OK

    @property
    def banner_host(self) -> str | None:
        """RFC 5321 §4.2: the greeting starts with the server's own name."""
        if self.banner is None:
            return None
        words = self.banner.lines[0].split()
        if words and self.banner.enhanced is not None and words[0] == str(self.banner.enhanced):
            words = words[1:]  # "554 5.7.1 mx.example ...": the name comes after the enhanced status code
        elif words and _ENHANCED.fullmatch(words[0]):
            words = words[1:]
        first = words[0] if words else ""
        return first if is_domain(first) or first.startswith("[") else None

    @property
    def extensions(self) -> dict[str, str]:
        """What the server offers in the session's final state (after TLS when there was TLS)."""
        if self.extensions_after_tls is not None:
            return self.extensions_after_tls
        return self.extensions_before_tls or {}

    def offers(self, keyword: str) -> bool:
        return keyword in self.extensions

    @property
    def auth_before_tls(self) -> list[str]:
        return _mechanisms(self.extensions_before_tls)

    @property
    def auth_after_tls(self) -> list[str]:
        return _mechanisms(self.extensions_after_tls)

    @property
    def auth_over_plaintext(self) -> bool:
        """AUTH offered on an unencrypted connection: a password would cross the network readable."""
        return bool(self.auth_before_tls)

    def extension_rows(self) -> list[ExtensionRow]:
        before = self.extensions_before_tls or {}
        after = self.extensions_after_tls or {}
        rows = []
        for keyword in [*before, *(k for k in after if k not in before)]:
            params = after.get(keyword, before.get(keyword, ""))
            rows.append(
                ExtensionRow(
                    keyword,
                    before.get(keyword) if self.extensions_before_tls is not None else None,
                    after.get(keyword) if self.extensions_after_tls is not None else None,
                    keyword_meaning(keyword),
                    read_parameters(keyword, params),
                )
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The report typed for scripts (schema: probe-report.schema.json beside this module).

        null means unknown or not reached, never "no": a server the probe never greeted supports nothing known.
        """
        greeted = self.greeting is not None
        plaintext = self.extensions_before_tls is not None
        return {
            "target": {"host": self.host, "port": self.port, "implicit_tls": self.implicit_tls},
            "protocol": "lmtp" if self.lmtp else "smtp",
            "peer_address": self.peer_address or None,
            "local_address": self.local_address or None,
            "exit_code": self.exit_code,
            "ok": self.failure is None,
            "failure": None if self.failure is None else vars(self.failure),
            "checks": {"require_tls": bool(self.checks.get("require_tls")), "min_days": self.checks.get("min_days")},
            "connect_seconds": _seconds(self.connect_seconds),
            "banner": None if self.banner is None else str(self.banner),
            "banner_code": None if self.banner is None else self.banner.code,
            "banner_host": self.banner_host,
            "banner_seconds": _seconds(self.banner_seconds),
            "greeting": self.greeting,
            "helo_name": self.helo_name or None,
            "extensions_before_tls": self.extensions_before_tls,
            "extensions_after_tls": self.extensions_after_tls,
            "extensions": [vars(row) for row in self.extension_rows()],
            "starttls": None if self.starttls_reply is None else str(self.starttls_reply),
            "starttls_offered": ("STARTTLS" in (self.extensions_before_tls or {})) if plaintext else None,
            "tls": None if self.tls is None else self.tls.to_json(),
            "auth_before_tls": self.auth_before_tls if plaintext else None,
            "auth_after_tls": self.auth_after_tls if self.extensions_after_tls is not None else None,
            # With TLS from the first byte nothing crosses in plaintext: that is known, not unknown.
            "auth_over_plaintext": self.auth_over_plaintext
            if plaintext
            else (False if self.implicit_tls and self.tls is not None else None),
            "size_limit": size_limit(self.extensions.get("SIZE")) if greeted else None,
            "supports": {keyword: (self.offers(keyword) if greeted else None) for keyword in HIGHLIGHTED},
            "vrfy": _answer_dict(self.vrfy),
            "expn": _answer_dict(self.expn),
            "transcript": [list(step) for step in self.transcript],
            "notes": self.notes,
        }


async def probe(options: ProbeOptions) -> ProbeReport:
    report = ProbeReport(options.host, options.port, implicit_tls=options.implicit_tls, lmtp=options.lmtp)
    report.checks = {"require_tls": options.require_tls, "min_days": options.min_days}
    settings = options.tls_settings()
    where = f"[{options.host}]:{options.port}" if ":" in options.host else f"{options.host}:{options.port}"
    _progress(options, "connect", None, f"connecting to {where}" + (" with TLS" if options.implicit_tls else ""))
    started = time.perf_counter()
    try:
        connection = await ClientConnection.open(
            options.host,
            options.port,
            implicit_tls=settings if options.implicit_tls else None,
            timeout=options.timeout,
            reply_timeout=options.timeout,
            preamble=_preamble(options),
        )
    except ClientError as error:
        tls_failed = isinstance(error, TLSFailed)
        if not tls_failed:
            _progress(options, "connect", False, error.headline)
            report.failure = _failure("connect", error)
            return report
        report.connect_seconds = time.perf_counter() - started
        _progress(options, "connect", True, f"connected in {report.connect_seconds:.3f} s")
        report.failure = _failure("tls", error)
        await _certificate_anyway(options, report, error)
        await _handshake_facts(options, report)
        _progress(options, "tls", False, _failure_line(report))
        return report
    report.connect_seconds = time.perf_counter() - started
    report.peer_address, report.local_address = connection.peer_address, connection.local_address
    _progress(options, "connect", True, f"{report.peer_address} in {report.connect_seconds:.3f} s")
    report.tls = connection.tls
    if report.tls is not None:
        _progress(options, "tls", True, _tls_line(report.tls))
    try:
        await _conversation(connection, options, settings, report)
    finally:
        await connection.close()
    await _handshake_facts(options, report)
    _check_policy(options, report)
    return report


async def _handshake_facts(options: ProbeOptions, report: ProbeReport) -> None:
    """Add the key exchange group and OCSP stapling, which Python's ssl cannot report, from one more look."""
    if report.tls is None:
        return
    import asyncio

    from smtpshell.net.tls_handshake_facts import handshake_facts

    tls = report.tls
    facts = await asyncio.to_thread(
        handshake_facts,
        options.host,
        options.port,
        implicit=options.implicit_tls,
        sni=tls.sni,
        helo=options.helo,
        lmtp=options.lmtp,
        tls_version=options.tls_version,
        preamble=_preamble(options),
        timeout=options.timeout,
    )
    if facts is not None:
        report.tls = replace(tls, key_exchange_group=facts.group, ocsp_stapled=facts.ocsp_stapled, ocsp=facts.ocsp)


def _preamble(options: ProbeOptions) -> Callable[[str, str], bytes] | None:
    if options.proxy_protocol is None:
        return None
    from smtpshell.net.proxy_header import proxy_header

    version = options.proxy_protocol
    return lambda local, peer: proxy_header(version, local, peer)


def _progress(options: ProbeOptions, stage: str, ok: bool | None, text: str) -> None:
    if options.on_stage is not None:
        options.on_stage(StageEvent(stage, ok, text))


def _failure_line(report: ProbeReport) -> str:
    """The failure for a progress line; a certificate that failed carries its verify code and fingerprint."""
    assert report.failure is not None
    tls = report.tls
    if report.failure.stage != "tls" or tls is None or tls.verify_code is None:
        return report.failure.headline
    leaf = tls.leaf
    fingerprint = f", SHA-256 {leaf.fingerprint_sha256}" if leaf is not None and leaf.fingerprint_sha256 else ""
    return f"{report.failure.headline} [verify return code {tls.verify_result}{fingerprint}]"


def _tls_line(tls: TLSDetails) -> str:
    days = tls.days_left()
    left = f", certificate expires in {days:g} days" if days is not None else ""
    checked = "verified" if tls.verified else "NOT verified"
    return f"{tls.version} {tls.cipher}, {checked}{left}"


def _check_policy(options: ProbeOptions, report: ProbeReport) -> None:
    """--require-tls and --min-days: what a monitor asks of a server that otherwise answered well."""
    if report.failure is not None:
        return
    if options.require_tls and report.tls is None:
        report.failure = ProbeFailure(
            "tls",
            "no-tls",
            "The server does not offer STARTTLS, and --require-tls asks for TLS",
            "Mail to this server crosses the network unencrypted. Its administrator should enable STARTTLS "
            "(Postfix: smtpd_tls_security_level = may, with a certificate).",
        )
    elif options.min_days is not None and report.tls is not None:
        days = report.tls.days_left()
        if days is not None and days < options.min_days:
            report.failure = ProbeFailure(
                "tls",
                "expires-soon",
                f"The certificate expires in {days:g} days, sooner than --min-days {options.min_days:g}",
                "Renew it now: once it has expired, senders that check certificates will not deliver here.",
                f"not after {report.tls.not_after:%Y-%m-%d %H:%M} UTC" if report.tls.not_after else "",
            )
    if report.failure is not None and report.failure.kind != "no-tls":  # that one was said as it was found
        _progress(options, "tls", False, report.failure.headline)


async def _certificate_anyway(options: ProbeOptions, report: ProbeReport, error: ClientError) -> None:
    """After a failed verification, look again without verifying, to show what the server presented.

    The first handshake was aborted by OpenSSL, so the certificate comes from a second connection with the
    check off (as `openssl s_client` shows a certificate whatever its verify return code); nothing in it is
    trusted, and the probe still fails.
    """
    cause = error.__cause__
    if not isinstance(cause, ssl.SSLCertVerificationError):
        return
    code, message = cause.verify_code, cause.verify_message
    settings = replace(options.tls_settings(), verify=False)
    connection: ClientConnection | None = None
    try:
        connection = await ClientConnection.open(
            options.host,
            options.port,
            implicit_tls=settings if options.implicit_tls else None,
            timeout=options.timeout,
            reply_timeout=options.timeout,
            preamble=_preamble(options),
        )
        if not options.implicit_tls:
            await connection.read_reply()
            greeting = "LHLO" if options.lmtp else "EHLO"
            await connection.send_line(f"{greeting} {options.helo or address_literal(connection.local_address)}")
            await connection.read_reply()
            await connection.send_line("STARTTLS")
            if (await connection.read_reply()).code == 220:
                await connection.starttls(settings)
        seen = connection.tls
    except (ClientError, OSError):
        return
    finally:
        if connection is not None:
            await connection.close()
    if seen is None:
        return
    checked = options.tls_settings().server_hostname or options.host
    report.tls = replace(seen, verified=False, verify_code=code, verify_message=message, server_hostname=checked)
    problem = explain_verification_failure(code, message, checked, cafile=options.cafile, names=seen.names)
    assert report.failure is not None
    report.failure = replace(report.failure, headline=problem.headline, advice=problem.advice)


class _StageFailed(Exception):
    pass


async def _conversation(
    connection: ClientConnection, options: ProbeOptions, settings: TLSSettings, report: ProbeReport
) -> None:
    stage = "banner"
    _progress(options, "banner", None, "waiting for the banner")
    try:
        ready = time.perf_counter()
        report.banner = await connection.read_reply()
        report.banner_seconds = time.perf_counter() - ready
        _log_reply(report, report.banner)
        if report.banner.code != 220:
            raise _refused(report, "banner", report.banner, "The server refused the session in its greeting")
        _progress(options, "banner", True, report.banner.wire_lines()[0])
        stage = "ehlo"
        report.helo_name = options.helo or address_literal(connection.local_address)
        extensions = await _greet(connection, report)
        _progress(options, "ehlo", True, f"{report.greeting} accepted, {len(extensions)} extensions")
        if options.implicit_tls:
            report.extensions_after_tls = extensions
        else:
            report.extensions_before_tls = extensions
            stage = "tls"
            if "STARTTLS" in extensions:
                _progress(options, "tls", None, "STARTTLS")
                try:
                    upgraded = await _starttls(connection, settings, report)
                except TLSFailed as error:
                    report.failure = _failure("tls", error)
                    await _certificate_anyway(options, report, error)
                    raise _StageFailed(error.headline) from None
                if upgraded and report.tls is not None:
                    _progress(options, "tls", True, _tls_line(report.tls))
                    stage = "ehlo"
                    report.extensions_after_tls = await _greet(connection, report)
                    _progress(options, "ehlo", True, f"{report.greeting} over TLS, {len(report.extensions)} extensions")
            elif options.require_tls:  # said once, here, where it is found; the verdict comes at the end
                _progress(options, "tls", False, "STARTTLS not offered, and --require-tls asks for TLS")
            else:
                _progress(options, "tls", True, "STARTTLS not offered")
        stage = "probe"
        report.vrfy = read_vrfy(await _exchange(connection, report, "VRFY postmaster"))
        report.expn = read_expn(await _exchange(connection, report, "EXPN postmaster"))
        _progress(options, "probe", True, f"VRFY {report.vrfy.reply.code}, EXPN {report.expn.reply.code}")
    except ClientError as error:
        report.failure = report.failure or _failure(stage, error)
    except _StageFailed:
        pass
    if report.failure is not None:
        _progress(options, report.failure.stage, False, _failure_line(report))
    _notes(report)
    if not connection.closed:
        try:
            await _exchange(connection, report, "QUIT")
        except ClientError:
            pass  # a server that hangs up at QUIT without 221 has still told us everything


async def _greet(connection: ClientConnection, report: ProbeReport) -> dict[str, str]:
    if report.lmtp:
        # RFC 2033 §4.1: LHLO is the only greeting; LMTP has no HELO to fall back to.
        line = f"LHLO {report.helo_name}"
        reply = await _exchange(connection, report, line)
        if reply.code == 250:
            report.greeting = "LHLO"
            return parse_ehlo_keywords(reply)
        raise _refused(report, "ehlo", reply, f"The server refused {line!r}")
    line = f"EHLO {report.helo_name}"
    reply = await _exchange(connection, report, line)
    if reply.code == 250:
        report.greeting = "EHLO"
        return parse_ehlo_keywords(reply)
    if reply.first_digit == 5 and reply.code != 554:
        report.notes.append(f"EHLO was refused ({reply.code}); this server only speaks plain SMTP (HELO).")
        line = f"HELO {report.helo_name}"
        reply = await _exchange(connection, report, line)
        if reply.code == 250:
            report.greeting = "HELO"
            return {}
    raise _refused(report, "ehlo", reply, f"The server refused {line!r}")


async def _starttls(connection: ClientConnection, settings: TLSSettings, report: ProbeReport) -> bool:
    report.starttls_reply = reply = await _exchange(connection, report, "STARTTLS")
    if reply.code != 220:
        report.failure = _reply_failure("tls", reply, "The server offers STARTTLS but refused it")
        return False
    report.tls = await connection.starttls(settings)
    report.transcript.append(("-", f"TLS started: {report.tls.version}, {report.tls.cipher}"))
    if report.tls.discarded:
        report.notes.append(
            f"The server sent {report.tls.discarded} octets after its 220 to STARTTLS; they were thrown away "
            "unread. A server must wait for the handshake: this is what a response-injection attack looks like."
        )
    return True


async def _exchange(connection: ClientConnection, report: ProbeReport, line: str) -> Reply:
    report.transcript.append(("C", line))
    await connection.send_line(line)
    for extra in connection.take_unsolicited():  # came before this command, so it answers nothing
        report.transcript.extend(("-", f"unsolicited, answers nothing: {wire}") for wire in extra.wire_lines())
    reply = await connection.read_reply()
    _log_reply(report, reply)
    return reply


def _log_reply(report: ProbeReport, reply: Reply) -> None:
    report.transcript.extend(("S", line) for line in reply.wire_lines())


def _refused(report: ProbeReport, stage: str, reply: Reply, headline: str) -> _StageFailed:
    report.failure = _reply_failure(stage, reply, headline)
    return _StageFailed(headline)


def _reply_failure(stage: str, reply: Reply, headline: str) -> ProbeFailure:
    advice = {
        "banner": "A 554 greeting means this server will not talk to this client (often its address is on a "
        "block list); a 421 that it is busy or shutting down. Try later or from another network.",
        "ehlo": "The server did not accept EHLO or HELO. A --helo NAME that is this computer's real DNS name "
        "sometimes helps; an LMTP server (its banner often says LMTP) is greeted with LHLO: add --lmtp.",
        "tls": "Its TLS may be broken or disabled for now. The rest of the report is from the plaintext session.",
    }[stage]
    return ProbeFailure(stage, "reply", f"{headline}: {reply.wire_lines()[0]}", advice, str(reply))


def _failure(stage: str, error: ClientError) -> ProbeFailure:
    return ProbeFailure(stage, error.kind, error.headline, error.advice, error.detail)


def _notes(report: ProbeReport) -> None:
    if report.auth_over_plaintext:
        report.notes.append(
            "AUTH is offered before TLS: a client could send its password readable by anyone on the path."
        )
    before = report.extensions_before_tls
    if before is not None and "STARTTLS" not in before and report.greeting is not None:
        report.notes.append(
            "The server does not offer STARTTLS: mail and passwords to it cross the network unencrypted."
        )


def read_vrfy(reply: Reply) -> Answer:
    if reply.code in (250, 251):
        return Answer(reply, True, "confirms addresses: anyone can check which mailboxes exist")
    if reply.code == 252:
        return Answer(reply, False, "will not confirm addresses (252: accepts mail without verifying)")
    if reply.code in (550, 551, 553):
        return Answer(reply, True, "answers about addresses (here: no such mailbox), so they can be checked")
    return Answer(reply, None, _refusal(reply))


def read_expn(reply: Reply) -> Answer:
    if reply.code in (250, 251, 252):
        return Answer(reply, True, "expands lists: anyone can see who is on them")
    if reply.code in (550, 551, 553):
        return Answer(reply, True, "answers about lists (here: no such list)")
    return Answer(reply, None, _refusal(reply))


def _refusal(reply: Reply) -> str:
    if reply.code in (500, 502, 504):
        return f"disabled ({reply.code}: not implemented here)"
    if reply.code == 530:
        return "only after logging in (530)"
    if reply.first_digit == 4:
        return f"refused for now ({reply.code})"
    return f"refused ({reply.code})"


def size_limit(params: str | None) -> int | None:
    """The SIZE limit in octets (RFC 1870); None when not advertised, 0 when no fixed limit."""
    if params is None:
        return None
    first = params.split()[0] if params.split() else "0"
    return int(first) if is_ascii_digits(first) else None


def read_parameters(keyword: str, params: str) -> str:
    if keyword == "SIZE":
        limit = size_limit(params)
        if not limit:
            return "no fixed limit announced"
        return f"limit {limit / MIB:.1f} MiB ({limit} octets)"
    if keyword == "AUTH" and params:
        return "mechanisms: " + ", ".join(params.upper().split())
    return ""


def keyword_meaning(keyword: str) -> str:
    """What an EHLO keyword means: from smtpshell.explain when it is there, else from the command table."""
    explained = _explained(keyword)
    if explained:
        return explained
    for command in COMMANDS.values():
        if command.keyword == keyword:
            return f"enables the {command.verb} command: {command.summary}"
    for verb, params in (("MAIL FROM", MAIL_PARAMS), ("RCPT TO", RCPT_PARAMS)):
        for param in params:
            if param.keyword == keyword:
                written = f"{param.name}=" if param.value else param.name
                return f"enables {written} on {verb}: {param.summary}"
    return ""


def _explained(keyword: str) -> str | None:
    # smtpshell.explain is another part of the project; the probe works (with less to say) without it.
    try:
        module = importlib.import_module("smtpshell.explain")
    except ImportError:
        return None
    explain_topic = getattr(module, "explain_topic", None)
    if explain_topic is None:
        return None
    explanation = explain_topic(keyword)
    for note in getattr(explanation, "keywords", []):
        if note.keyword.upper() == keyword and note.known:
            return str(note.meaning)
    if not getattr(explanation, "known", False):
        return None
    meaning = str(getattr(explanation, "meaning", "") or explanation.headline)
    return meaning.split("\n\n", 1)[0]  # the first paragraph: the report is a table, not a lesson


def _mechanisms(extensions: dict[str, str] | None) -> list[str]:
    return (extensions or {}).get("AUTH", "").upper().split() if extensions and "AUTH" in extensions else []


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _answer_dict(answer: Answer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {"reply": str(answer.reply), "code": answer.reply.code, "answers": answer.answers, "verdict": answer.verdict}

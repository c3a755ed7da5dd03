"""The authentication lab's shell commands: /dns (show and edit the sandbox's zone, switch the lab on or off)
and /message --dkim DOMAIN (a message signed with the lab key of DOMAIN).

Rule: the lab is off until /dns on (or an edit with /dns set) switches it on for this sandbox; it judges only mail
from the zone's domains, so the other lessons see the sandbox they always had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from smtpshell.authlab.receiver import AuthLab
    from smtpshell.authlab.zone import LabZone
    from smtpshell.session.engine import ShellEngine

# A signed message added after 354, for a front end with an editor to show instead of the line buffer.
_for_the_composer: WeakKeyDictionary[ShellEngine, str] = WeakKeyDictionary()

DNS_USAGE = '/dns [on|off] | /dns set NAME TYPE "VALUE" | /dns del NAME [TYPE]'
MESSAGE_USAGE = "/message [--dkim DOMAIN [--tamper] [--arc SEALER]]"


def lab(engine: ShellEngine, *, create: bool) -> AuthLab | None:
    """The sandbox's lab, if it is on; switched on when ``create``."""
    from smtpshell.authlab.receiver import AuthLab

    current = engine.policy.message_check
    if isinstance(current, AuthLab):
        return current
    if create:
        engine.policy.message_check = AuthLab()
        return engine.policy.message_check
    return None


async def dns_command(engine: ShellEngine, args: list[str]) -> None:
    if not args:
        found = lab(engine, create=False)
        zone_lines = (found.zone if found else _fresh_zone()).describe()
        state = "on" if found else "off (/dns on switches it on)"
        engine.notice("info", f"The sandbox's DNS zone; the authentication lab is {state}:", "\n".join(zone_lines))
        return
    action = args[0].lower()
    if action in ("on", "off"):
        if action == "on":
            lab(engine, create=True)
            engine.notice(
                "info",
                "Authentication lab on: mail from good.test, badspf.test, nospf.test, forwarded.test is checked for "
                "SPF, DKIM and DMARC, as a strict receiver would.",
                "/dns shows the zone; /mailbox N shows each message's Authentication-Results explained.",
            )
        else:
            engine.policy.message_check = None
            engine.notice("info", "Authentication lab off: the sandbox accepts mail without checking it.")
        return
    if action == "set" and len(args) >= 4:
        found = lab(engine, create=True)
        assert found is not None
        try:
            found.zone.set(args[1], args[2], [" ".join(args[3:])])
        except ValueError as error:
            engine.notice("error", str(error), f"Usage: {DNS_USAGE}")
            return
        from smtpshell.authlab.zone import explain_record

        about = explain_record(args[1], args[2].upper(), " ".join(args[3:]))
        engine.notice(
            "info",
            f"{args[1]} {args[2].upper()} is now: {' '.join(args[3:])}",
            (about + ". " if about else "") + "It counts from the next message on (the lab is on).",
        )
        return
    if action in ("del", "delete") and len(args) in (2, 3):
        found = lab(engine, create=True)
        assert found is not None
        count = found.zone.delete(args[1], args[2] if len(args) == 3 else None)
        engine.notice("info", f"Removed {count} record set(s) at {args[1]}.")
        return
    engine.notice("error", "I did not understand that /dns command.", f"Usage: {DNS_USAGE}")


def _fresh_zone() -> LabZone:
    from smtpshell.authlab.zone import LabZone

    return LabZone()


def signed_template(
    engine: ShellEngine, domain: str, *, tamper: bool, sealer: str | None = None
) -> tuple[list[str], str]:
    """The message template signed with the lab key of ``domain``: its lines and a note on what was done.

    ``tamper`` changes the Subject after signing, as a mailing list does; ``sealer`` is that list: before it
    changes anything it records what it found (Authentication-Results) and then seals the result with ARC.
    """
    from smtpshell.authlab.dkim_check import SIGNED_HEADERS, arc_seal, sign, verify
    from smtpshell.authlab.receiver import from_domain, organizational

    lines = engine.message_template().split("\n")
    message = "".join(line + "\r\n" for line in lines).encode("utf-8")
    signed = sign(message, domain) + message
    note = (
        f"Signed with the lab key of {domain} (selector lab): the signature covers "
        + ", ".join(name.decode() for name in SIGNED_HEADERS)
        + " and the body."
    )
    recorded = ""
    if sealer is not None:
        found = lab(engine, create=True)
        assert found is not None
        dkim = verify(found.zone, signed)
        author = from_domain(signed)
        aligned = dkim.result == "pass" and organizational(dkim.domain) == organizational(author)
        recorded = (
            f"dkim={dkim.result} header.d={dkim.domain}; dmarc={'pass' if aligned else 'fail'} header.from={author}"
        )
    if tamper:
        signed = signed.replace(b"\r\nSubject: ", b"\r\nSubject: [list] ", 1)
        note += " Then the Subject was changed after signing, as a mailing list does: the signature no longer matches."
    if sealer is not None:
        signed = arc_seal(signed, sealer, recorded)
        note += (
            f" {sealer} recorded what it found on arrival ({recorded}) and sealed the message with ARC "
            "(ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results)."
        )
    text = signed.decode("utf-8").replace("\r\n", "\n").rstrip("\n")
    return text.split("\n"), note


async def message_command(engine: ShellEngine, args: list[str]) -> bool:
    """/message --dkim DOMAIN [--tamper] [--arc SEALER]; False when ``args`` ask for no signature."""
    if not args:
        return False
    options = _message_options(args)
    if options is None:
        engine.notice("error", "I did not understand that /message command.", f"Usage: {MESSAGE_USAGE}")
        return True
    domain, tamper, sealer = options
    found = lab(engine, create=True)
    assert found is not None
    for name in (domain, sealer):
        if name is not None and not found.zone.lookup(f"lab._domainkey.{name}", "TXT"):
            engine.notice(
                "error",
                f"The lab has no DKIM key for {name}.",
                "Use one of the zone's domains that publish a key (good.test, nospf.test, forwarded.test, lists.test).",
            )
            return True
    lines, note = signed_template(engine, domain, tamper=tamper, sealer=sealer)
    text = "\n".join(lines)
    if engine.mode == "data":
        engine.add_message_lines(lines)
        _for_the_composer[engine] = text
        engine.notice("info", "The shell added this signed message:", f"{text}\n\n{note}\nEnd it with a line '.'.")
    else:
        engine.notice("info", "A signed message for DATA:", f"{text}\n\n{note}\nSend DATA, then /message --dkim again.")
    return True


def _message_options(args: list[str]) -> tuple[str, bool, str | None] | None:
    """--dkim DOMAIN [--tamper] [--arc SEALER], in any order; None when they do not read so."""
    domain, tamper, sealer = None, False, None
    index = 0
    while index < len(args):
        word = args[index]
        if word in ("--dkim", "--arc") and index + 1 < len(args):
            value = args[index + 1].lower().rstrip(".")
            if word == "--dkim":
                domain = value
            else:
                sealer = value
            index += 2
        elif word == "--tamper":
            tamper, index = True, index + 1
        else:
            return None
    return (domain, tamper, sealer) if domain else None


def take_composer_text(engine: ShellEngine) -> str | None:
    """The signed message just added after 354, moved out of the line buffer for an editor to hold; None if none.

    The TUI's composer shows it so that a learner can edit a signed header and see the signature break.
    """
    text = _for_the_composer.pop(engine, None)
    if text is None or engine.mode != "data":
        return None
    lines = text.split("\n")
    if engine.message_lines[-len(lines) :] == lines:
        del engine.message_lines[-len(lines) :]
    return text


def results_explained(content: bytes) -> str:
    """Each Authentication-Results field of a stored message, read line by line ("" when it has none)."""
    from smtpshell.authlab.dkim_check import header_fields
    from smtpshell.authlab.receiver import visible
    from smtpshell.explain.auth_headers import result_rows

    parts = []
    for name, value in header_fields(content):
        if name.lower() == "authentication-results":
            rows = result_rows(f"{name}: {value}")
            parts.append("\n".join(visible(f"  {what}: {meaning}") for what, meaning in rows))
    return "\n\nAuthentication-Results explained:\n" + "\n".join(parts) if parts else ""

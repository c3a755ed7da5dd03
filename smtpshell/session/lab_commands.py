"""The authentication lab's shell commands: /dns (show and edit the sandbox's zone, switch the lab on or off)
and /message --dkim DOMAIN (a message signed with the lab key of DOMAIN).

Rule: the lab is off until /dns on (or an edit with /dns set) switches it on for this sandbox; it judges only mail
from the zone's domains, so the other lessons see the sandbox they always had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smtpshell.authlab.receiver import AuthLab
    from smtpshell.authlab.zone import LabZone
    from smtpshell.session.engine import ShellEngine

DNS_USAGE = '/dns [on|off] | /dns set NAME TYPE "VALUE" | /dns del NAME [TYPE]'
MESSAGE_USAGE = "/message [--dkim DOMAIN [--tamper]]"


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


def signed_template(engine: ShellEngine, domain: str, *, tamper: bool) -> tuple[list[str], str]:
    """The message template signed with the lab key of ``domain``: its lines and a note on what was signed."""
    from smtpshell.authlab.dkim_check import SIGNED_HEADERS, sign

    lines = engine.message_template().split("\n")
    message = "".join(line + "\r\n" for line in lines).encode("utf-8")
    signature = sign(message, domain).decode("ascii").replace("\r\n", "\n").rstrip("\n").split("\n")
    note = (
        f"Signed with the lab key of {domain} (selector lab): the signature covers "
        + ", ".join(name.decode() for name in SIGNED_HEADERS)
        + " and the body."
    )
    if tamper:
        lines = [
            ("Subject: [list] " + line[len("Subject: ") :]) if line.startswith("Subject: ") else line for line in lines
        ]
        note += " Then the Subject was changed after signing, as a mailing list does: the signature no longer matches."
    return signature + lines, note


async def message_command(engine: ShellEngine, args: list[str]) -> bool:
    """/message --dkim DOMAIN [--tamper]; False when ``args`` are not a DKIM request (plain /message goes on)."""
    if not args:
        return False
    if args[0] != "--dkim" or len(args) < 2 or any(a not in ("--tamper",) for a in args[2:]):
        engine.notice("error", "I did not understand that /message command.", f"Usage: {MESSAGE_USAGE}")
        return True
    domain = args[1].lower().rstrip(".")
    found = lab(engine, create=True)
    assert found is not None
    if not found.zone.lookup(f"lab._domainkey.{domain}", "TXT"):
        engine.notice(
            "error",
            f"The lab has no DKIM key for {domain}.",
            "Sign with one of the zone's domains that publish a key (good.test, nospf.test, forwarded.test).",
        )
        return True
    lines, note = signed_template(engine, domain, tamper="--tamper" in args)
    text = "\n".join(lines)
    if engine.mode == "data":
        engine.add_message_lines(lines)
        engine.notice("info", "The shell added this signed message:", f"{text}\n\n{note}\nEnd it with a line '.'.")
    else:
        engine.notice("info", "A signed message for DATA:", f"{text}\n\n{note}\nSend DATA, then /message --dkim again.")
    return True


def results_explained(content: bytes) -> str:
    """Each Authentication-Results field of a stored message, read line by line ("" when it has none)."""
    from smtpshell.authlab.dkim_check import header_fields
    from smtpshell.explain.auth_headers import result_rows

    parts = []
    for name, value in header_fields(content):
        if name.lower() == "authentication-results":
            rows = result_rows(f"{name}: {value}")
            parts.append("\n".join(f"  {what}: {meaning}" for what, meaning in rows))
    return "\n\nAuthentication-Results explained:\n" + "\n".join(parts) if parts else ""

"""The shell's own commands (/connect, /explain, /auth, ...): one handler per entry of meta_table.META_COMMANDS.

Rule: a handler answers with records only (notices, or exchanges when it talks to the server), so every front
end shows it the same way; bad arguments get a notice with the usage, never an exception.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from smtpshell.explain import explain_reply, explain_topic, render_text
from smtpshell.meta_table import META_COMMANDS, META_PREFIX, MetaCommand, lookup_meta
from smtpshell.net.client_errors import ClientError
from smtpshell.proto.commands import AUTH_MECHANISMS, lookup
from smtpshell.proto.events import CommandReceived, SendReply
from smtpshell.proto.faults import PRESETS, FaultError, preset_rule
from smtpshell.proto.grammar import is_ascii_digits
from smtpshell.session import lab_commands, mx_choice, state_text
from smtpshell.session.demo_run import DemoRun, DemoSettings, run_all
from smtpshell.session.envelope_text import envelope_commands
from smtpshell.session.lesson_port import UNAVAILABLE
from smtpshell.session.message_preview import left_out_note, message_preview
from smtpshell.session.records import Notice
from smtpshell.session.replay import ScriptError, read_demo
from smtpshell.session.target import (
    ConnectRequest,
    Target,
    TargetError,
    TLSMode,
    is_choice,
    parse_connect_request,
)
from smtpshell.session.text_table import escape_cell

if TYPE_CHECKING:
    from smtpshell.session.engine import ShellEngine

Handler = Callable[["ShellEngine", list[str]], Awaitable[None]]
MX_USAGE = "/connect --mx DOMAIN [--starttls|--tls] [--insecure] [--cafile FILE], then /connect N[:PORT]"
MAX_REPLAY_DEPTH = 3  # a script may replay another, but not itself forever


async def dispatch(engine: ShellEngine, line: str) -> None:
    try:
        words = shlex.split(line)
    except ValueError:  # an unclosed quote: take the words as they are
        words = line.split()
    command = lookup_meta(words[0]) if words else None
    if command is None:
        name = words[0] if words else line
        engine.notice("error", f"Unknown shell command {name}.", "Type /help to list the shell's commands.")
        return
    await HANDLERS[command.name](engine, words[1:])


def _usage(engine: ShellEngine, name: str, problem: str) -> None:
    engine.notice("error", problem, f"Usage: {META_COMMANDS[name].usage}")


# ---- connections -----------------------------------------------------------------------------------------


async def _connect(engine: ShellEngine, args: list[str]) -> None:
    try:
        request = parse_connect_request(args)
        if request.mx is not None:
            await _list_mx(engine, request)
            return
        if request.choice is not None:
            if engine.mx_choice is None:
                raise TargetError(
                    f"{request.choice} is a number, but there is no list to choose from: "
                    "/connect --mx DOMAIN lists a domain's mail servers"
                )
            target = engine.mx_choice.pick(request.choice, request)
        else:
            target = request.target()
    except TargetError as error:
        if any(word == "--mx" or word.startswith("--mx=") or is_choice(word) for word in args):
            engine.notice("error", str(error), f"Usage: {MX_USAGE}")
        else:
            _usage(engine, "connect", str(error))
        return
    await engine.connect(target)


async def _list_mx(engine: ShellEngine, request: ConnectRequest) -> None:
    """/connect --mx DOMAIN: list the domain's mail servers; /connect N then picks one."""
    assert request.mx is not None
    try:
        result = await mx_choice.look_up(request.mx, engine.nameserver)
    except ClientError as error:
        detail = f"{error.advice}\n{error.detail}" if error.detail else error.advice
        engine.notice("error", error.headline, detail)
        return
    choice = engine.mx_choice = mx_choice.MXChoice(result, request)
    how = {"none": "", "starttls": " with --starttls", "implicit": " with --tls"}[request.tls]
    engine.notice(
        "info",
        choice.heading(),
        "\n".join(
            [
                *choice.rows(),
                "",
                choice.explanation(),
                f"Type /connect 1 to talk to the first{how}, /connect N for another, or /connect N:PORT for "
                "another port.",
            ]
        ),
    )


async def _sandbox(engine: ShellEngine, args: list[str]) -> None:
    tls: TLSMode = "implicit" if "--tls" in args else "starttls" if "--starttls" in args else "none"
    unknown = [a for a in args if a not in ("--tls", "--starttls")]
    if unknown or (tls == "implicit" and "--starttls" in args):
        _usage(engine, "sandbox", f"/sandbox takes no {' '.join(unknown) or 'such combination'}.")
        return
    await engine.connect(Target("sandbox", tls=tls))


async def _tls(engine: ShellEngine, args: list[str]) -> None:
    connection = engine.connection
    if connection is None or connection.tls is None:
        engine.notice(
            "info",
            "This connection is not encrypted.",
            "Send EHLO, then STARTTLS if the server offers it (or connect with --tls to a port that "
            "speaks TLS at once, usually 465).",
        )
        return
    details = connection.tls
    rows = "\n".join(f"{label}: {value}" for label, value in details.rows())
    engine.notice("info", f"TLS: {details.version}, {details.cipher}", rows)


async def _state(engine: ShellEngine, args: list[str]) -> None:
    engine.notice("info", "The session as the client sees it:", state_text.describe(engine))


# ---- explanations and help ------------------------------------------------------------------------------


async def _explain(engine: ShellEngine, args: list[str]) -> None:
    if args:
        explanation = explain_topic(" ".join(args))
    else:
        last = engine.last_exchange()
        if last is None or last.reply is None:
            engine.notice("info", "Nothing to explain yet.", "Type /explain 550, /explain 5.7.1 or /explain SIZE.")
            return
        explanation = last.explanation or explain_reply(last.reply, last.command, last.state, last.server_reason)
    title, _, rest = render_text(explanation).partition("\n")
    engine.emit(Notice("info", title.strip(), rest.strip("\n"), time.time(), explanation))


async def _help(engine: ShellEngine, args: list[str]) -> None:
    if args:
        word = args[0]
        verb = None if word.startswith(META_PREFIX) else lookup(word)
        meta = None if verb is not None else lookup_meta(word)
        if meta is not None:
            engine.notice("info", meta.usage, meta.summary)
        elif verb is not None:
            engine.notice("info", verb.syntax, f"{verb.summary}\nExample: {verb.example}\nSee {verb.rfc}.")
        else:
            engine.notice(
                "error",
                f"No help on {word}.",
                "Type /help for the shell's commands, /explain TOPIC for reply codes and extensions.",
            )
        return
    rows = "| command | what it does |\n|---|---|\n" + "\n".join(
        f"| {escape_cell(m.usage)} | {escape_cell(m.summary)} |" for m in META_COMMANDS.values()
    )  # a table: each front end lays it out in two columns for its width (session/text_table.py)
    engine.notice(
        "info",
        "Type SMTP commands as a client would (EHLO, MAIL FROM:<...>, RCPT TO:<...>, DATA, "
        "QUIT); the shell's own commands start with /:",
        rows + "\n\nTab completes; /help VERB explains an SMTP command.",
    )


# ---- AUTH and messages ----------------------------------------------------------------------------------


async def _auth(engine: ShellEngine, args: list[str]) -> None:
    if not args or args[0].upper() not in AUTH_MECHANISMS or len(args) > 2:
        _usage(
            engine,
            "auth",
            "Give a mechanism (PLAIN, LOGIN or CRAM-MD5) and a user name; the shell asks for the password.",
        )
        return
    mechanism = args[0].upper()
    if not engine.connected:
        engine.notice("error", "Not connected.", engine.reconnect_advice())
        return
    if engine.state.helo is None:
        engine.notice("warning", "Send EHLO first: the server lists its AUTH mechanisms in the EHLO reply.")
        return
    if engine.state.auth_mechanism is not None:
        engine.notice("warning", "An AUTH exchange is under way: answer the server's 334, or send * to cancel it.")
        return
    if engine.target.kind == "remote" and not engine.state.tls and not engine.raw:
        engine.notice(
            "error",
            "Not over plaintext: your password would cross the network readable.",
            "Send STARTTLS first (then EHLO again). /raw on lifts this check, for a test server.",
        )
        return
    offered = engine.state.auth_mechanisms()
    if mechanism not in offered:
        engine.notice(
            "warning",
            f"The server did not offer {mechanism}"
            + (f" (it offers {', '.join(offered)})." if offered else " (it offers no AUTH now)."),
            "The shell tries anyway; the server's reply says why it refuses.",
        )
    if len(args) == 2:
        user = args[1]
    elif engine.target.kind == "sandbox" and engine.policy.users:
        user, password = next(iter(engine.policy.users.items()))
        engine.notice(
            "info",
            f"Logging in as the sandbox's user {user} (its password is {password}: the "
            "sandbox's accounts are for practice only).",
        )
    else:
        _usage(engine, "auth", "Give the user name to log in as.")
        return
    engine.begin_auth(mechanism, user)
    engine.notice("info", f"Password for {user} (not shown, not kept; an empty line cancels):")


async def _message(engine: ShellEngine, args: list[str]) -> None:
    if await lab_commands.message_command(engine, args):
        return
    template = engine.message_template()
    if engine.mode == "data":
        lines = template.split("\n")
        engine.add_message_lines(lines)
        engine.notice(
            "info",
            "The shell added these lines to the message:",
            template + "\n\nType more body lines if you like, then a line with a single '.' to send it.",
        )
        return
    engine.notice(
        "info",
        "A message for DATA, filled from the envelope:",
        template + "\n\nSend DATA; after the 354, type /message to put these lines in, or type your own.",
    )


async def _mailbox(engine: ShellEngine, args: list[str]) -> None:
    if engine.class_link is not None:
        await engine.class_link.refresh()  # a class server's mailbox is read over its channel
    linked = engine.class_link is not None and engine.class_link.active
    link = engine.class_link
    if engine.sandbox is None and link is not None and link.url is not None and not (linked and link.logged_in):
        why = link.problem or "connect with --student NAME (your SMTP login) to read your own mailbox"
        engine.notice("warning", "Your mailbox on the class server cannot be read.", why)
        return
    if engine.sandbox is None and not linked:
        engine.notice("info", "The mailbox belongs to the sandbox, which is not running.", "Type /sandbox.")
        return
    messages = engine.mailbox()
    if args:
        if not is_ascii_digits(args[0]) or not 1 <= int(args[0]) <= len(messages):
            _usage(
                engine,
                "mailbox",
                f"Choose a message from 1 to {len(messages)}." if messages else "The mailbox is empty.",
            )
            return
        message = messages[int(args[0]) - 1]
        if len(args) > 1:
            _save_message(engine, args[0], message.content, Path(" ".join(args[1:])).expanduser())
            return
        content, left = message_preview(message.content)  # a 10 MiB message must not freeze the front end
        content += f"\n{left_out_note(left)}; /mailbox {args[0]} FILE saves it whole" if left else ""
        envelope = message.envelope
        head = f"{', '.join(envelope_commands(envelope))}; {message.protocol} from {message.helo} ({message.peer})"
        content += lab_commands.results_explained(message.content)
        engine.notice("info", f"Message {args[0]}, queue id {message.queue_id}: {head}", content)
        return
    if not messages:
        engine.notice(
            "info",
            "The sandbox's mailbox is empty.",
            "Send a message: EHLO, MAIL FROM, RCPT TO, DATA, the message, a line with '.'.",
        )
        return
    rows = [
        f"{i:>3}  {m.queue_id}  <{m.envelope.sender}> -> "
        f"{', '.join(f'<{r}>' for r in m.envelope.recipients)}  {len(m.content)} octets  {_subject(m.content)}"
        for i, m in enumerate(messages, 1)
    ]
    engine.notice("info", f"The sandbox holds {len(messages)} message(s); /mailbox N shows one:", "\n".join(rows))


def _save_message(engine: ShellEngine, number: str, content: bytes, path: Path) -> None:
    """The whole message, octet for octet as the sandbox stored it (CRLF line ends), as an .eml file."""
    try:
        path.write_bytes(content)
    except OSError as error:
        engine.notice("error", f"Could not save message {number} to {path}: {error.strerror or error}.")
        return
    engine.notice("info", f"Saved message {number} ({len(content):,} octets) to {path}.")


def _subject(content: bytes) -> str:
    for raw in content.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if raw.lower().startswith(b"subject:"):
            subject = raw[8:].decode("utf-8", "replace").strip()
            return subject if len(subject) <= 80 else subject[:79] + "…"
    return "(no subject)"


async def _server(engine: ShellEngine, args: list[str]) -> None:
    if engine.class_link is not None:
        await engine.class_link.refresh()
    entries = engine.server_log(this_connection=True)
    if not entries:
        engine.notice("info", "No sandbox session to show.", "The server's side is only known for the sandbox.")
        return
    rows = []
    for entry in entries:
        item = entry.item
        if isinstance(item, SendReply):
            wire = item.reply.wire_lines()
            more = f"  (+{len(wire) - 1} more lines)" if len(wire) > 1 else ""
            rows += [f"S: {wire[0]}{more}", f"   because: {item.reason}"]
        elif isinstance(item, CommandReceived):
            rows.append(f"C: {item.line}")
    engine.notice("info", f"The sandbox's side of this session (session {entries[0].session}):", "\n".join(rows))


async def _faults(engine: ShellEngine, args: list[str]) -> None:
    plan = engine.policy.faults
    if not args:
        active = "\n".join(plan.describe()) or "(none)"
        presets = "\n".join(f"{name}: {what}" for name, (_, _, what) in PRESETS.items())
        engine.notice(
            "info",
            "The sandbox's faults:",
            f"Active:\n{active}\n\nPresets (/faults NAME[:ADDRESS]):\n"
            f"{presets}\ndelay:VERB:SECONDS, disconnect:VERB\n/faults clear removes them all.",
        )
        return
    if args[0].lower() == "clear":
        count = len(plan.rules)
        plan.rules.clear()
        plan.greylisted.clear()
        engine.notice("info", f"Removed {count} fault(s): the sandbox behaves normally again.")
        return
    try:
        rules = [preset_rule(spec) for spec in args]
    except FaultError as error:
        _usage(engine, "faults", str(error))
        return
    plan.rules.extend(rules)
    if engine.target.kind != "sandbox":
        engine.notice("warning", "Faults apply to the sandbox; you are connected to another server.")
    engine.notice(
        "info",
        "Added: " + "; ".join(f"{r.name}: {r.command} {r.address}" for r in rules),
        "They apply from the next command on, on every connection to the sandbox.",
    )


# ---- files -------------------------------------------------------------------------------------------------


def _file_path(engine: ShellEngine, name: str) -> Path | None:
    """Where a file name points: anywhere for a shell of one's own; in a browser tab, only its own folder."""
    if engine.file_root is None:
        return Path(name).expanduser()
    if not name or "/" in name or "\\" in name or name.startswith((".", "~")):
        engine.notice(
            "error",
            f"Not here: {name}",
            "In the browser, this shell keeps its files in a folder of its own: give a plain file name, such as "
            "lesson.html (/save hands the file to your browser as a download).",
        )
        return None
    return engine.file_root / name


async def _save(engine: ShellEngine, args: list[str]) -> None:
    from smtpshell.session.handout_records import FORMAT_NAMES, SAVED_PREFIX, save_format, save_records

    brief = "--brief" in args
    names = [a for a in args if a != "--brief"]
    if len(names) != 1 or names[0].startswith("--"):
        _usage(engine, "save", "Give one file name: .html for a handout page, .md for Markdown, else plain text.")
        return
    path = _file_path(engine, names[0])
    if path is None:
        return
    try:
        count = save_records(engine.records, path, engine.target.describe(), brief=brief)
    except OSError as error:
        engine.notice("error", f"Could not save to {path}: {error.strerror or error}.")
        return
    kind = FORMAT_NAMES[save_format(path)]
    short = ", one line per explanation" if brief and save_format(path) != "plain" else ""
    shown = path.name if engine.file_root is not None else path
    engine.notice("info", f"{SAVED_PREFIX}{count} exchange(s) to {shown} ({kind}{short}, credentials redacted).")
    if engine.file_delivery is not None:
        engine.file_delivery(path)


def parse_replay_args(args: list[str]) -> tuple[str, DemoSettings]:
    """/replay [--auto SECONDS] [--typing] FILE (and `smtpshell demo`'s same options); ValueError says what is wrong."""
    auto: float | None = None
    typing = False
    names: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--typing":
            typing = True
        elif word == "--auto" or word.startswith("--auto="):
            value = word.partition("=")[2] or next(words, "")
            try:
                auto = float(value)
            except ValueError:
                raise ValueError(f"--auto wants a number of seconds between lines, not {value!r}") from None
            if not 0.1 <= auto <= 600:
                raise ValueError("--auto wants between 0.1 and 600 seconds between lines")
        elif word.startswith("--"):
            raise ValueError(f"/replay takes no {word}")
        else:
            names.append(word)
    if len(names) != 1:
        raise ValueError("Give one demo script (or a transcript saved with /save).")
    return names[0], DemoSettings(auto, typing)


async def _replay(engine: ShellEngine, args: list[str]) -> None:
    try:
        name, settings = parse_replay_args(args)
    except ValueError as error:
        _usage(engine, "replay", str(error))
        return
    if engine.replay_depth >= MAX_REPLAY_DEPTH:
        engine.notice("error", f"Not replayed: scripts may call each other only {MAX_REPLAY_DEPTH} deep.")
        return
    path = _file_path(engine, name)
    if path is None:
        return
    try:
        steps = read_demo(path)
    except ScriptError as error:
        engine.notice("error", str(error))
        return
    run = DemoRun(steps, name, settings)
    if engine.demo_presenter is not None and engine.replay_depth == 0:
        engine.demo_presenter(run)  # the front end steps through it, a key per line
        return
    engine.replay_depth += 1
    try:
        await run_all(engine, run)
    finally:
        engine.replay_depth -= 1


# ---- switches ------------------------------------------------------------------------------------------------


def _on_off(engine: ShellEngine, name: str, args: list[str]) -> bool | None:
    if len(args) == 1 and args[0].lower() in ("on", "off"):
        return args[0].lower() == "on"
    _usage(engine, name, "Say on or off.")
    return None


async def _raw(engine: ShellEngine, args: list[str]) -> None:
    value = _on_off(engine, "raw", args)
    if value is None:
        return
    engine.raw = value
    if value:
        engine.notice(
            "warning",
            "Raw mode on: lines go out exactly as typed.",
            "No check for CR, LF or NUL, no warning before pointless commands, no dot-stuffing in DATA. "
            "For demonstrations; /raw off restores the checks.",
        )
    else:
        engine.notice("info", "Raw mode off: the shell checks lines again and dot-stuffs messages.")


async def _explanations(engine: ShellEngine, args: list[str]) -> None:
    value = _on_off(engine, "explanations", args)
    if value is not None:
        engine.explanations = value
        engine.notice(
            "info",
            f"Explanations {'on' if value else 'off'}"
            + ("." if value else ": /explain still explains the last reply."),
        )


async def _quit(engine: ShellEngine, args: list[str]) -> None:
    engine.quit_requested = True
    await engine.disconnect("you left the shell")


# ---- lessons (the engine's LessonPlugin does the work) --------------------------------------------------------


async def _lesson_command(engine: ShellEngine, name: str, args: list[str]) -> None:
    if engine.lessons is None:
        engine.notice("info", UNAVAILABLE)
    else:
        await engine.lessons.command(engine, name, args)


async def _lesson(engine: ShellEngine, args: list[str]) -> None:
    await _lesson_command(engine, "lesson", args)


async def _hint(engine: ShellEngine, args: list[str]) -> None:
    await _lesson_command(engine, "hint", args)


async def _showme(engine: ShellEngine, args: list[str]) -> None:
    await _lesson_command(engine, "showme", args)


HANDLERS: dict[str, Handler] = {
    "connect": _connect,
    "sandbox": _sandbox,
    "explain": _explain,
    "auth": _auth,
    "message": _message,
    "dns": lab_commands.dns_command,
    "mailbox": _mailbox,
    "server": _server,
    "state": _state,
    "tls": _tls,
    "save": _save,
    "replay": _replay,
    "raw": _raw,
    "explanations": _explanations,
    "faults": _faults,
    "lesson": _lesson,
    "hint": _hint,
    "showme": _showme,
    "help": _help,
    "quit": _quit,
}


def _check_table(commands: dict[str, MetaCommand]) -> None:
    missing = set(commands) - set(HANDLERS)
    if missing:
        raise RuntimeError(f"meta commands without a handler: {sorted(missing)}")


_check_table(META_COMMANDS)

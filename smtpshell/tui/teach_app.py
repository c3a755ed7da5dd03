"""`smtpshell teach`: the teacher's dashboard over the class channel — a row per session, live.

Rule: every change arrives over the channel's WebSocket feed and is drawn as it comes (no polling); text that came
from the network is shown as plain text, never as markup. Commands at the bottom: ``faults [STUDENT] SPEC…``,
``faults [STUDENT] clear``, ``mailbox STUDENT``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, RichLog, Static

from smtpshell.classroom.teacher_client import TeacherClient, TeacherError
from smtpshell.explain import explain_reply
from smtpshell.proto.replies import Reply
from smtpshell.tui.teach_rows import SessionRows

HELP = "faults [STUDENT] SPEC… | faults [STUDENT] clear | mailbox STUDENT   (Tab: the table; Enter on a row follows it)"
KEEP_LAGS = 50_000


def _reply_of(event: dict[str, Any]) -> Reply:
    lines = str(event.get("line", "")).split("\n")
    return Reply(int(event.get("code") or 0), tuple(line[4:] for line in lines) or ("",))


def transcript_lines(event: dict[str, Any], last_command: str | None = None) -> list[Text]:
    """One event as the followed-session pane shows it: the line, and for a reply its reason and meaning."""
    kind = event.get("kind")
    if kind == "command":
        return [Text.assemble(("C: ", "dim"), (str(event["line"]), "bold cyan"))]
    if kind == "reply":
        code = int(event.get("code") or 0)
        style = "green" if code < 400 else "yellow" if code < 500 else "red"
        out = [Text.assemble(("S: ", "dim"), (line, style)) for line in str(event["line"]).split("\n")]
        if event.get("reason"):
            out.append(Text.assemble(("   why:   ", "dim"), (str(event["reason"]), "magenta")))
        explanation = explain_reply(_reply_of(event), last_command)
        out.append(Text.assemble(("   means: ", "dim"), (explanation.headline, "italic")))
        return out
    return [Text(f"-- {event.get('line', '')}", style="dim")]


class TeachApp(App[int]):
    TITLE = "smtpshell teach"
    CSS = """
    #sessions { width: 3fr; }
    #transcript { width: 2fr; border-left: solid $primary; }
    #status { height: 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+f", "focus_command", "Command"),
        Binding("ctrl+m", "mailbox", "Mailbox of the row", show=False),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, url: str, token: str) -> None:
        super().__init__()
        self.url = url
        self.token = token
        self.client: TeacherClient | None = None
        self.rows: dict[int, dict[str, Any]] = {}
        self.progress: dict[str, str] = {}
        self.students: list[str] = []
        self.followed: int | None = None
        self._last_command: dict[int, str] = {}
        self.events_applied = 0
        self.lags: deque[float] = deque(maxlen=KEEP_LAGS)  # seconds from the server's event to its row drawn
        self.feed_ready = False
        self._dirty: set[int] = set()
        self._unshown: list[float] = []
        self._flush_pending = False
        self._in_burst = False
        self.status_text = ""
        self.changed = asyncio.Event()  # set whenever something above changed (tests wait on it, not on time)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield SessionRows(id="sessions")
            yield RichLog(id="transcript", wrap=True, markup=False, highlight=False)
        yield Static(HELP, id="status", markup=False)
        yield Input(
            placeholder="faults greylist   ·   faults student03 mailbox-full   ·   mailbox student03", id="command"
        )
        yield Footer()

    async def on_mount(self) -> None:
        self.client = TeacherClient(self.url, self.token)
        await self.client.__aenter__()
        self.sub_title = self.url
        self.query_one("#command", Input).focus()  # typing goes to the command line; Tab reaches the table
        self._load()

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.close()

    @work(exclusive=True, group="load")
    async def _load(self) -> None:
        assert self.client is not None
        try:
            self.students = [row["student"] for row in await self.client.students()]
            for row in await self.client.sessions():
                self._show_row(row)
        except TeacherError as error:
            self._status(f"could not read the class: {error}")
        self._follow_feed()

    @work(exclusive=True, group="feed")
    async def _follow_feed(self) -> None:
        assert self.client is not None
        try:
            async for burst in self.client.feed():
                self._in_burst = True
                try:
                    for event in burst:
                        if event.get("type") == "hello":
                            self.feed_ready = True
                            self.changed.set()
                        else:
                            self.apply_event(event)
                finally:
                    self._in_burst = False
                self._draw_dirty()  # at once, not behind the app's queue: the rows show what just happened
        except TeacherError as error:
            self._status(f"{error} — the class server may have stopped; restart `smtpshell teach` when it is back")
        self.feed_ready = False

    def apply_event(self, event: dict[str, Any]) -> None:
        """Fold one feed event into its row (and the followed transcript)."""
        kind = event.get("kind")
        if kind == "progress":
            student = str(event.get("student") or "")
            self.progress[student] = str(event.get("line", ""))
            for number, row in self.rows.items():
                if row.get("student") == student:
                    self._mark(number)
            self._count(event)
            return
        number = int(event["session"])
        row = self.rows.get(number) or {
            "session": number,
            "peer": event.get("peer"),
            "state": "open",
            "commands": 0,
            "messages": 0,
            "errors": 0,
            "last_command": "",
            "last_code": None,
        }
        row["student"] = event.get("student") or row.get("student")
        row["helo"] = event.get("helo") or row.get("helo")
        previous = self._last_command.get(number)
        if kind == "command":
            row["last_command"] = event["line"]
            self._last_command[number] = str(event["line"])
        elif kind == "reply":
            code = int(event.get("code") or 0)
            row["last_code"] = code
            row["errors"] = int(row.get("errors") or 0) + (code >= 400)
            if code == 250 and "queued as" in str(event.get("line", "")):
                row["messages"] = int(row.get("messages") or 0) + 1
        elif kind == "close":
            row["state"] = "closed"
        self.rows[number] = row
        self._mark(number)
        if number == self.followed:
            log = self.query_one("#transcript", RichLog)
            for line in transcript_lines(event, previous):
                log.write(line)
        self._count(event)

    def _count(self, event: dict[str, Any]) -> None:
        self.events_applied += 1
        self._unshown.append(float(event.get("at") or time.time()))

    def _mark(self, number: int) -> None:
        """A row changed: draw it soon, with every other row that changed meanwhile (one redraw for a burst)."""
        self._dirty.add(number)
        if not self._flush_pending and not self._in_burst:
            self._flush_pending = True
            self.call_later(self._draw_dirty)

    def _draw_dirty(self) -> None:
        self._flush_pending = False
        dirty, self._dirty = self._dirty, set()
        for number in sorted(dirty):
            self._show_row({**self.rows[number], "session": number})
        now = time.time()
        self.lags.extend(max(0.0, now - at) for at in self._unshown)  # from the server's event to its row drawn
        self._unshown.clear()
        self.changed.set()

    def _show_row(self, row: dict[str, Any]) -> None:
        number = int(row["session"])
        self.rows[number] = row
        who = row.get("student") or (f"({row['helo']})" if row.get("helo") else "-")
        texts = [
            str(number),
            str(who),
            str(row.get("peer") or ""),
            str(row.get("state") or ""),
            str(row.get("last_command") or ""),
            str(row.get("last_code") or ""),
            str(row.get("messages") or 0),
            str(row.get("errors") or 0),
            self.progress.get(str(row.get("student") or ""), ""),
        ]
        self.query_one("#sessions", SessionRows).set_row(number, texts)

    # ---- following one session ------------------------------------------------------------------------

    @on(SessionRows.Chosen)
    def _row_chosen(self, message: SessionRows.Chosen) -> None:
        self.follow(message.session)

    @work(exclusive=True, group="follow")
    async def follow(self, number: int) -> None:
        assert self.client is not None
        self.followed = number
        log = self.query_one("#transcript", RichLog)
        log.clear()
        try:
            detail = await self.client.session(number)
        except TeacherError as error:
            self._status(str(error))
            return
        who = detail.get("student") or detail.get("helo") or "?"
        log.write(Text(f"session {number}: {who} from {detail.get('peer')}", style="bold"))
        last: str | None = None
        for event in detail.get("events", []):
            for line in transcript_lines(event, last):
                log.write(line)
            if event.get("kind") == "command":
                last = str(event["line"])
        self.changed.set()

    # ---- commands -------------------------------------------------------------------------------------

    def action_focus_command(self) -> None:
        self.query_one("#command", Input).focus()

    def action_mailbox(self) -> None:
        number = self.query_one("#sessions", SessionRows).selected()
        student = self.rows.get(number, {}).get("student") if number is not None else None
        if student:
            self.run_command(f"mailbox {student}")

    @on(Input.Submitted, "#command")
    def _submitted(self, message: Input.Submitted) -> None:
        message.input.value = ""
        self.run_command(message.value)

    @work(exclusive=True, group="command")
    async def run_command(self, line: str) -> None:
        assert self.client is not None
        words = line.split()
        if not words:
            return
        verb, rest = words[0].lower(), words[1:]
        try:
            if verb == "faults":
                student = rest.pop(0) if rest and rest[0] in self.students else None
                specs: list[str] = []
                for word in [] if rest == ["clear"] else rest:
                    if word.startswith("times=") and specs:
                        specs[-1] += f" {word}"  # "unknown-user times=1": one spec
                    else:
                        specs.append(word)
                if not rest:
                    self._status(f"faults now: {await self.client.faults()}")
                    return
                await self.client.set_faults(specs, student)
                where = student or "the class"
                self._status(f"faults for {where}: {', '.join(specs) or 'none'} (from the next command)")
            elif verb == "mailbox" and len(rest) == 1:
                box = await self.client.mailbox(rest[0])
                log = self.query_one("#transcript", RichLog)
                log.clear()
                self.followed = None
                log.write(Text(f"mailbox of {box['student']}: {len(box['mailbox'])} message(s)", style="bold"))
                for item in box["mailbox"]:
                    subject = next(
                        (h[8:].strip() for h in str(item["content"]).splitlines() if h.lower().startswith("subject:")),
                        "(no subject)",
                    )
                    log.write(Text(f"  {item['queue_id']}  <{item['sender']}>  {subject}"))
                self.changed.set()
            else:
                self._status(f"unknown command {verb!r}; {HELP}")
        except TeacherError as error:
            self._status(str(error))

    def _status(self, text: str) -> None:
        self.status_text = text
        self.query_one("#status", Static).update(Text(text))
        self.changed.set()

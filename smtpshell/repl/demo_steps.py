"""/replay in the plain prompt: each line of the demo waits on the command line, typed for you; Enter sends it.

Rule: the stepping is session/demo_run.py's; here the next line is only offered as the prompt's text. An edited
line, or another typed after Ctrl-U, is sent instead and the demo waits; Ctrl-C ends the demo. The presenter's
notes are printed above the line they lead to, and not kept in the transcript.
"""

from __future__ import annotations

from collections.abc import Callable

from smtpshell.session.demo_run import DemoRun
from smtpshell.session.engine import ShellEngine
from smtpshell.session.records import Notice, Record


class ReplDemo:
    def __init__(self, engine: ShellEngine, show: Callable[[Record], None]) -> None:
        self.engine = engine
        self.show = show  # prints a record without recording it
        self.run: DemoRun | None = None
        self._noted = -1  # the position whose notes were printed: a line typed instead does not repeat them
        engine.demo_presenter = self.present

    def present(self, run: DemoRun) -> None:
        self.run = run
        self._noted = -1
        self.show(Notice("info", f"Demo {run.source}: Enter sends each line as it stands; Ctrl-C ends the demo."))

    def next_line(self) -> str | None:
        """The line to offer at the prompt (its notes printed first), or None when no demo waits."""
        if self.run is None or self.run.finished:
            self.run = None
            return None
        notes, step = self.run.upcoming()
        if self._noted != self.run.position:
            self._noted = self.run.position
            for note in notes:
                self.show(Notice("info", note))
        if step is None:
            return None
        return step.text

    async def take(self, line: str) -> bool:
        """True when ``line`` is the demo's next line, now sent (with the directives after it)."""
        run = self.run
        if run is None:
            return False
        _, step = run.upcoming()
        if step is None or line != step.text:
            return False
        async with self.engine.lock:
            outcome = await run.advance(self.engine)
        if outcome == "finished":
            self.show(Notice("info", f"Demo finished: all {run.sends} line(s) of {run.source} were sent."))
            self.run = None
        elif outcome == "stopped":
            self.run = None
        return True

    def end(self) -> bool:
        """Ctrl-C during a demo: True when there was one to end."""
        run, self.run = self.run, None
        if run is None:
            return False
        run.stop("ended by the presenter")
        self.show(Notice("info", f"Demo ended after {run.sent} of {run.sends} line(s)."))
        return True

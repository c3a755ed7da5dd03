"""How fast the TUI feels, against plain Textual measured in the same run.

1. Time to first frame: `smtpshell`'s app against a minimal Textual app with the same kinds of widgets, each in a
   fresh interpreter (imports included), as a ratio of medians.
2. Per-keystroke cost: typing into smtpshell's command line (live highlighting + completion from the engine)
   against a bare Textual Input with the same kind of dropdown open (six rows floating under it), as a ratio.
3. Event-loop lag: a periodic timer in the app measures how late it fires while 20 clients (in another process)
   each send a 1 MB message to the sandbox running in the app's process; against the same timer with no load.

Run: python benchmarks/bench_tui.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPED = "MAIL FROM:<alice@sandbox.test> SIZE=1000 BODY=8BITMIME"

MINIMAL_APP = """
from textual.app import App
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Label, Markdown, OptionList, Static, TextArea

class Minimal(App):
    def compose(self):
        yield Static("status")
        with Horizontal():
            yield OptionList("one", "two")
            with Vertical():
                yield VerticalScroll(Markdown(""))
                yield VerticalScroll(Static("explanation"))
                yield VerticalScroll(Static("server"))
        yield TextArea("")
        with Horizontal():
            yield Label("> ")
            field = Input()
            yield field
            yield OptionList("EHLO", "HELO")  # the completion menu
        yield Footer()
"""

FIRST_FRAME = """
import sys, time
start = time.perf_counter()
{setup}
async def first_frame(pilot):
    print(time.perf_counter() - start)
    pilot.app.exit()
app.run(headless=True, size=(120, 36), auto_pilot=first_frame)
{teardown}
"""

SMTPSHELL_SETUP = """
from smtpshell.tui.app import SMTPShellApp
app = SMTPShellApp()
"""
SMTPSHELL_TEARDOWN = """
if app.engine.sandbox is not None:
    app.engine.sandbox.stop()
"""


def first_frame_seconds(setup: str, teardown: str, home: str) -> float:
    code = FIRST_FRAME.format(setup=textwrap.dedent(setup), teardown=textwrap.dedent(teardown))
    env = {**os.environ, "SMTPSHELL_HOME": home}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def bench_first_frame(runs: int, home: str) -> tuple[float, float]:
    ours = [first_frame_seconds(SMTPSHELL_SETUP, SMTPSHELL_TEARDOWN, home) for _ in range(runs)]
    minimal = [first_frame_seconds(MINIMAL_APP + "\napp = Minimal()\n", "", home) for _ in range(runs)]
    return statistics.median(ours), statistics.median(minimal)


async def keystroke_seconds_smtpshell(rounds: int, home: Path) -> float:
    from smtpshell.tui.app import SMTPShellApp
    from smtpshell.tui.command_line import CommandLine

    app = SMTPShellApp(data_dir=home)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.wait_until_idle()
        command_line = app.query_one(CommandLine)
        command_line.put("EHLO me")
        await pilot.press("enter")
        await app.wait_until_idle()
        await pilot.pause()
        return await _type(pilot, command_line.input, rounds)


MENU_ROWS = [f"candidate-{n}@sandbox.test   a mailbox the sandbox knows" for n in range(6)]


async def keystroke_seconds_bare(rounds: int) -> float:
    """A bare Textual Input with the same dropdown open: an OptionList of six rows floating under it."""
    from textual.app import App, ComposeResult
    from textual.geometry import Offset
    from textual.widgets import Input, OptionList

    class Bare(App[None]):
        CSS = "OptionList { overlay: screen; width: auto; height: auto; max-height: 12; }"

        def compose(self) -> ComposeResult:
            yield Input()
            yield OptionList(*MENU_ROWS)

        def on_mount(self) -> None:
            self.query_one(OptionList).absolute_offset = Offset(10, 3)

    app = Bare()
    async with app.run_test(size=(120, 36)) as pilot:
        return await _type(pilot, app.query_one(Input), rounds)


async def _type(pilot: object, field: object, rounds: int) -> float:
    from textual import events
    from textual._wait import wait_for_idle  # what pilot.pause waits with, minus its message to every widget
    from textual.pilot import Pilot
    from textual.widgets import Input

    assert isinstance(pilot, Pilot) and isinstance(field, Input)
    field.focus()
    await pilot.pause()
    keys = 0
    # CPU time of the process: each key is posted to the app as the terminal driver posts it, then the app is let
    # run until it is idle, and the screen is drawn (wait_for_animation draws it). Pilot.press and pilot.pause are
    # not used: they send a message to every widget of the screen and wait for each, a cost that grows with the
    # number of widgets and is no keystroke's (it made a screen of 25 widgets look 2x slower than it is).
    start = time.process_time()
    for _ in range(rounds):
        field.value = ""
        for character in TYPED:
            pilot.app.post_message(events.Key("space" if character == " " else character, character))
            await wait_for_idle(0)
            await pilot.wait_for_animation()
            keys += 1
        await pilot.pause()
    assert field.value == TYPED, field.value  # every key arrived
    return (time.process_time() - start) / keys


LOAD_CLIENTS = """
import smtplib, sys, threading
port, clients, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
line = b"x" * 998 + b"\\r\\n"
body = b"Subject: load\\r\\n\\r\\n" + line * (size // len(line))
errors = []
def send():
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
            client.ehlo("load.example")
            client.sendmail("alice@sandbox.test", ["bob@sandbox.test"], body)
    except Exception as error:
        errors.append(repr(error))
threads = [threading.Thread(target=send) for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
print(len(errors), errors[:1])
"""

TICK = 0.010  # the timer's period: a frame at 100 Hz


async def loop_lag(home: Path, clients: int, size: int) -> tuple[list[float], list[float], float, str]:
    """Lateness of a 10 ms timer with no load, then while the clients send; and how long the load took."""
    from smtpshell.tui.app import SMTPShellApp

    app = SMTPShellApp(data_dir=home)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.wait_until_idle()
        await pilot.pause()
        sandbox = app.engine.sandbox
        assert sandbox is not None
        lateness: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            lateness.append(max(0.0, now - last[0] - TICK))
            last[0] = now

        timer = app.set_interval(TICK, tick)
        baseline_done = asyncio.Event()
        app.set_timer(2.0, baseline_done.set)
        await baseline_done.wait()
        idle = lateness[:]
        lateness.clear()
        start = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            LOAD_CLIENTS,
            str(sandbox.port),
            str(clients),
            str(size),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        took = time.perf_counter() - start
        timer.stop()
        loaded = lateness[:]
        return idle, loaded, took, out.decode().strip()


def p99(lags: list[float]) -> float:
    ordered = sorted(lags)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)] if ordered else 0.0


def describe(lags: list[float]) -> str:
    return (
        f"mean {statistics.fmean(lags) * 1000:6.2f} ms, p99 {p99(lags) * 1000:6.2f} ms, "
        f"max {max(lags, default=0) * 1000:6.2f} ms over {len(lags)} ticks"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="start-ups of each app (median taken)")
    parser.add_argument("--rounds", type=int, default=3, help=f"times {TYPED!r} is typed")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--size", type=int, default=1_000_000, help="octets per message")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home_dir:
        home = Path(home_dir)
        os.environ["SMTPSHELL_HOME"] = home_dir
        ours, minimal = bench_first_frame(options.runs, home_dir)
        print(f"time to first frame (fresh interpreter, median of {options.runs}):")
        print(
            f"  smtpshell {ours * 1000:7.1f} ms   minimal Textual app {minimal * 1000:7.1f} ms   "
            f"ratio {ours / minimal:.2f}x"
        )
        ours_key = asyncio.run(keystroke_seconds_smtpshell(options.rounds, home))
        bare_key = asyncio.run(keystroke_seconds_bare(options.rounds))
        print(f"CPU per keystroke ({len(TYPED) * options.rounds} keys as the terminal sends them, drawing included):")
        print(
            f"  command line {ours_key * 1000:6.2f} ms   bare Input {bare_key * 1000:6.2f} ms   "
            f"ratio {ours_key / bare_key:.2f}x"
        )
        idle, loaded, took, result = asyncio.run(loop_lag(home, options.clients, options.size))
        print(f"UI event-loop lag of a {TICK * 1000:.0f} ms timer (sandbox in-process, its own thread):")
        print(f"  idle:  {describe(idle)}")
        print(
            f"  load:  {describe(loaded)}   ({options.clients} clients x {options.size} octets in "
            f"{took:.2f} s; client errors: {result})"
        )
        print(f"  ratio of p99 lag, loaded / idle: {(p99(loaded) + 1e-6) / (p99(idle) + 1e-6):.1f}x")


if __name__ == "__main__":
    main()

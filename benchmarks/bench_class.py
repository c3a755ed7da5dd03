"""A whole class at once: 100 students × 20 messages against `smtpshell serve --class 100`, with the teacher's
dashboard open, and how far the dashboard's rows lag behind the server's events.

Three processes, as in a classroom: the class server (`smtpshell serve --class`, its own process, uvloop where
installed), the load (one child process: 100 connections at once, one per student, each sending 20 messages to
the student's own mailbox, each command waiting for its reply), and the teacher's dashboard (`TeachApp`, headless,
in this process, fed by the channel's WebSocket). The lag of an event is the time from the server logging it to
the dashboard drawing it (same machine, same clock). Every student's folder is checked for its 20 messages.
The peer measured in the same run: the same load against the plain sandbox (`smtpshell serve`, no class, no
channel, no dashboard), so the price of the classroom shows as a ratio.

Run: python benchmarks/bench_class.py [STUDENTS] [MESSAGES_EACH] [ROUNDS] [--disk]
(the best round of each figure is kept, as in bench_sandbox_throughput.py: the machine's other load only slows)
"""

from __future__ import annotations

import asyncio
import json
import mailbox
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MESSAGE = b"Subject: class benchmark\r\n\r\n" + b"The quick brown fox jumps over the lazy dog.\r\n" * 30


# ---- the load (child process) -------------------------------------------------------------------------


async def _reply(reader: asyncio.StreamReader) -> int:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return int(line[:3])


async def _student(port: int, name: str, messages: int, own: bool) -> None:
    to = f"{name}@sandbox.test" if own else "bob@sandbox.test"  # the plain sandbox has no student mailboxes
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    steps = [(b"", 220), (f"EHLO {name}\r\n".encode(), 250)]
    for _ in range(messages):
        steps += [
            (f"MAIL FROM:<{name}@sandbox.test>\r\n".encode(), 250),
            (f"RCPT TO:<{to}>\r\n".encode(), 250),
            (b"DATA\r\n", 354),
            (MESSAGE + b".\r\n", 250),
        ]
    steps.append((b"QUIT\r\n", 221))
    for send, expected in steps:
        if send:
            writer.write(send)
        code = await _reply(reader)
        if code != expected:
            raise RuntimeError(f"{name}: expected {expected}, got {code}")
    writer.close()


async def _load(port: int, names: list[str], messages: int, own: bool) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(_student(port, name, messages, own) for name in names))
    return time.perf_counter() - started


def client_main(argv: list[str]) -> int:
    port, messages, names, own = int(argv[0]), int(argv[1]), argv[2].split(","), argv[3] == "own"
    print(json.dumps({"elapsed": asyncio.run(_load(port, names, messages, own))}))
    return 0


# ---- the servers and the dashboard --------------------------------------------------------------------


class Server:
    def __init__(self, home: Path, *args: str) -> None:
        env = {**os.environ, "SMTPSHELL_HOME": str(home), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "smtpshell", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        self.banner: list[str] = []
        for line in self.process.stdout:
            self.banner.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(self.banner)
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
        if not found:
            raise SystemExit(f"serve did not start:\n{text}")
        self.port = int(found[1])
        channel = re.search(r"channel beside SMTP: (\S+)", text)
        self.channel = channel[1] if channel else None
        # The per-session lines go on being printed; read them away so the pipe never fills.
        self._drain = subprocess.Popen(["cat"], stdin=self.process.stdout, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._drain.wait(timeout=30)


def run_load(port: int, names: list[str], messages: int, own: bool = True) -> float:
    result = subprocess.run(
        [sys.executable, __file__, "--client", str(port), str(messages), ",".join(names), "own" if own else "bob"],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed: float = json.loads(result.stdout)["elapsed"]
    return elapsed


async def with_dashboard(server: Server, names: list[str], messages: int) -> tuple[float, list[float], int]:
    from smtpshell.tui.teach_app import TeachApp

    assert server.channel is not None
    app = TeachApp(server.channel, "bench-token")
    async with app.run_test(size=(160, 50)):
        deadline = time.monotonic() + 30
        while not app.feed_ready:
            app.changed.clear()
            await asyncio.wait_for(app.changed.wait(), max(0.1, deadline - time.monotonic()))
        elapsed = await asyncio.to_thread(run_load, server.port, names, messages)
        closed = len(names)
        deadline = time.monotonic() + 60
        while sum(1 for row in app.rows.values() if row.get("state") == "closed") < closed:
            app.changed.clear()
            await asyncio.wait_for(app.changed.wait(), max(0.1, deadline - time.monotonic()))
        delivered = sum(int(row.get("messages") or 0) for row in app.rows.values())
        return elapsed, list(app.lags), delivered


def one_round(names: list[str], messages: int, where: str | None) -> tuple[float, float, list[float]] | None:
    """The plain sandbox, then the class server with the dashboard, under the same load; None if mail went amiss."""
    students, total = len(names), len(names) * messages
    with tempfile.TemporaryDirectory(prefix="smtpshell-class-bench-", dir=where) as temporary:
        base = Path(temporary)
        plain_args = ["--maildir", str(base / "plain-mail"), "--max-connections", str(students + 20)]
        plain = Server(base / "home-plain", *plain_args)
        try:
            plain_elapsed = run_load(plain.port, names, messages, own=False)
        finally:
            plain.stop()
        maildir = base / "mail"
        server = Server(
            base / "home",
            "--class",
            str(students),
            "--maildir",
            str(maildir),
            "--teacher-token",
            "bench-token",
            "--channel-port",
            "0",
            "--passwords",
            str(base / "passwords.txt"),
            "--max-connections",
            str(students + 20),
        )
        try:
            elapsed, lags, shown = asyncio.run(with_dashboard(server, names, messages))
        finally:
            server.stop()
        missing = [name for name in names if len(list(mailbox.Maildir(maildir / name, create=False))) != messages]
    if missing or shown != total:
        print(f"NOT delivered as expected: {len(missing)} folders short; dashboard counted {shown} of {total}")
        return None
    return plain_elapsed, elapsed, lags


def main(argv: list[str]) -> int:
    flags = [a for a in argv if a.startswith("--")]
    argv = [a for a in argv if not a.startswith("--")]
    students = int(argv[0]) if argv else 100
    messages = int(argv[1]) if len(argv) > 1 else 20
    rounds = int(argv[2]) if len(argv) > 2 else 3
    names = [f"student{n:0{max(2, len(str(students)))}d}" for n in range(1, students + 1)]
    total = students * messages
    from smtpshell.net.event_loop import loop_name

    print(f"{students} students at once, {messages} messages each ({total}), server on {loop_name()}")
    # Both servers write every message durably (fsync) before their 250; on a disk that is the whole cost and
    # it blocks the server's loop, so the Maildirs go to memory (tmpfs) where there is one: this measures the
    # servers, not the disk. --disk keeps them on the disk.
    memory = Path("/dev/shm")
    where = None if "--disk" in flags or not memory.is_dir() else str(memory)
    print(f"Maildirs in {where or tempfile.gettempdir()}{' (tmpfs)' if where else ''}")
    best: dict[str, float] = {}
    for round_number in range(1, rounds + 1):
        outcome = one_round(names, messages, where)
        if outcome is None:
            return 1
        plain_elapsed, elapsed, lags = outcome
        lags.sort()
        p99 = lags[int(len(lags) * 0.99) - 1] * 1000
        print(
            f"  round {round_number}: class {total / elapsed:5.0f} msgs/s, plain {total / plain_elapsed:5.0f} msgs/s; "
            f"dashboard lag over {len(lags)} events: median {statistics.median(lags) * 1000:.0f} ms, "
            f"p99 {p99:.0f} ms, max {lags[-1] * 1000:.0f} ms"
        )
        best["class"] = max(best.get("class", 0.0), total / elapsed)
        best["plain"] = max(best.get("plain", 0.0), total / plain_elapsed)
        best["p99"] = min(best.get("p99", float("inf")), p99)
    print(f"every round: all {total} messages in their {students} students' own folders, counted on the dashboard")
    print(f"best rate: class server {best['class']:.0f} msgs/s, plain sandbox {best['plain']:.0f} msgs/s")
    print(f"ratio class/plain, messages per second: {best['class'] / best['plain']:.2f}x")
    print(f"best dashboard update lag p99: {best['p99']:.0f} ms (target <= 100 ms)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        raise SystemExit(client_main(sys.argv[2:]))
    raise SystemExit(main(sys.argv[1:]))

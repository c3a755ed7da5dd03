"""NOOP round trips while 50 clients send mail: the sandbox writing a Maildir (fsync before each 250) against the
same sandbox keeping mail in memory only, same load, one run.

A `smtpshell serve` child process is the server. A second child, the load generator, keeps 50 connections busy,
each sending 2 KB messages back to back (MAIL, RCPT and DATA pipelined, then the message, then the next). This
process, a third one, sends NOOP on its own connection one at a time and times each round trip. If the Maildir's
writes and fsyncs ran on the server's event loop, every NOOP would wait behind them; run off the loop, a NOOP
costs about what it costs without a Maildir. Printed: p50 and p99 of each, the p99 ratio, messages per second.

Run: python benchmarks/bench_sandbox_maildir_latency.py [SENDERS] [SECONDS] [--dir DIR]
(DIR holds the Maildir; it must be on a real disk, not tmpfs, for fsync to mean anything; default: the system's
temporary directory.) To measure another version of smtpshell, run it with PYTHONPATH pointing at that tree.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import smtpshell

MESSAGE = (
    b"From: alice@sandbox.test\r\nTo: bob@sandbox.test\r\nSubject: load\r\n\r\n"
    + b"The quick brown fox jumps over the lazy dog, again and again and again.\r\n" * 27
)
ENVELOPE = b"MAIL FROM:<alice@sandbox.test>\r\nRCPT TO:<bob@sandbox.test>\r\nDATA\r\n"
SOURCE_ROOT = Path(smtpshell.__file__).resolve().parents[1]


# ---- the load generator (a child process) -----------------------------------------------------------------


class Sender(asyncio.Protocol):
    """One connection sending messages back to back until the end time; counts the 250s after the data."""

    def __init__(self, greeted: asyncio.Event, until: list[float], sent: list[int]) -> None:
        self.greeted = greeted
        self.until = until
        self.sent = sent
        self.buffer = b""
        self.waiting: list[bytes] = []  # the codes the replies still to come must have
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.waiting = [b"220"]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\n")) >= 0:
            line, self.buffer = self.buffer[: end + 1], self.buffer[end + 1 :]
            if line[3:4] != b"-":
                self.reply(line)

    def reply(self, line: bytes) -> None:
        expected = self.waiting.pop(0)
        if line[:3] != expected:
            raise RuntimeError(f"expected {expected!r}, got {line!r}")
        if self.waiting:
            return
        assert self.transport is not None
        if expected == b"220":
            self.transport.write(b"EHLO load.example\r\n")
            self.waiting = [b"250"]
        elif expected == b"354":
            self.transport.write(MESSAGE + b".\r\n")
            self.waiting = [b"250"]
        elif not self.greeted.is_set() and not self.until:
            self.greeted.set()  # EHLO answered; the next message starts when every sender is ready
        else:
            self.next_message(after_message=True)

    def next_message(self, after_message: bool = False) -> None:
        assert self.transport is not None
        if after_message:
            self.sent[0] += 1
        if self.until and time.perf_counter() >= self.until[0]:
            self.transport.close()
            return
        self.transport.write(ENVELOPE)
        self.waiting = [b"250", b"250", b"354"]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


async def load(port: int, senders: int, seconds: float) -> int:
    loop = asyncio.get_running_loop()
    until: list[float] = []
    sent = [0]
    connections: list[Sender] = []
    for _ in range(senders):
        greeted = asyncio.Event()
        _, protocol = await loop.create_connection(functools.partial(Sender, greeted, until, sent), "127.0.0.1", port)
        await greeted.wait()
        connections.append(protocol)
    until.append(time.perf_counter() + seconds)
    print("ready", flush=True)  # the probe starts now
    for protocol in connections:
        protocol.next_message()
    await asyncio.gather(*(protocol.closed.wait() for protocol in connections))
    return sent[0]


def load_main(argv: list[str]) -> int:
    port, senders, seconds = int(argv[0]), int(argv[1]), float(argv[2])
    sent = asyncio.run(load(port, senders, seconds))
    print(json.dumps({"sent": sent}), flush=True)
    return 0


# ---- the server and the probe -----------------------------------------------------------------------------


def start_server(home: Path, maildir: Path | None) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "SMTPSHELL_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, "-m", "smtpshell", "serve", "--port", "0", "--max-connections", "200"]
    if maildir is not None:
        args += ["--maildir", str(maildir)]
    help_text = subprocess.run([*args[:4], "--help"], capture_output=True, text=True, env=env, cwd=SOURCE_ROOT).stdout
    if "--max-per-address" in help_text:  # this version limits each client address; the load is all 127.0.0.1
        args += ["--max-per-address", "200"]
    # `python -m` imports from its working directory first: run it where this process found smtpshell.
    server = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env, cwd=SOURCE_ROOT)
    assert server.stdout is not None
    match = re.search(r"listening on 127\.0\.0\.1:(\d+)", server.stdout.readline())
    assert match, "the server did not start"
    for line in server.stdout:
        if line.startswith("Press Ctrl-C"):
            break
    return server, int(match[1])


def probe(port: int, until: float) -> list[float]:
    """NOOP round trips, one at a time, in milliseconds, until ``until``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = sock.makefile("rb")
    stream.readline()
    sock.sendall(b"EHLO probe.example\r\n")
    while stream.readline()[3:4] == b"-":
        pass
    samples: list[float] = []
    while time.perf_counter() < until:
        started = time.perf_counter()
        sock.sendall(b"NOOP\r\n")
        line = stream.readline()
        samples.append((time.perf_counter() - started) * 1000)
        assert line.startswith(b"250"), line
    sock.sendall(b"QUIT\r\n")
    sock.close()
    return samples


def measure(senders: int, seconds: float, maildir: Path | None) -> tuple[list[float], int]:
    with tempfile.TemporaryDirectory() as home:
        server, port = start_server(Path(home), maildir)
        try:
            loader = subprocess.Popen(
                [sys.executable, __file__, "--load", str(port), str(senders), str(seconds)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert loader.stdout is not None
            assert loader.stdout.readline().strip() == "ready"
            samples = probe(port, time.perf_counter() + seconds)
            sent = json.loads(loader.stdout.readline())["sent"]
            loader.wait(timeout=60)
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=30)
    return samples, sent


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--load"]:
        return load_main(argv[1:])
    parent = Path(tempfile.gettempdir())
    if "--dir" in argv:
        at = argv.index("--dir")
        parent = Path(argv[at + 1])
        del argv[at : at + 2]
    senders = int(argv[0]) if argv else 50
    seconds = float(argv[1]) if len(argv) > 1 else 5.0
    print(f"smtpshell from {SOURCE_ROOT}; {senders} senders, {seconds:g} s each")
    results: dict[str, tuple[list[float], int]] = {}
    for name in ("memory", "maildir", "memory ", "maildir "):  # alternated, twice; the better run of each counts
        maildir = Path(tempfile.mkdtemp(dir=parent)) / "Maildir" if name.startswith("maildir") else None
        try:
            samples, sent = measure(senders, seconds, maildir)
        finally:
            if maildir is not None:
                shutil.rmtree(maildir.parent)
        key = name.strip()
        if key not in results or percentile(samples, 0.99) < percentile(results[key][0], 0.99):
            results[key] = samples, sent
    for key, (samples, sent) in results.items():
        print(
            f"{key:8} NOOP p50 {statistics.median(samples):7.2f} ms  p99 {percentile(samples, 0.99):7.2f} ms  "
            f"({len(samples)} NOOPs; {sent / seconds:6.0f} messages/s delivered meanwhile)"
        )
    ratio = percentile(results["maildir"][0], 0.99) / percentile(results["memory"][0], 0.99)
    print(f"NOOP p99 with the Maildir writer / without: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

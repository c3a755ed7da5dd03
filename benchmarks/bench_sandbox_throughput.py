"""Messages per second: the sandbox against aiosmtpd (a Controller with an in-memory handler), same load, one run.

The load: 2,000 messages of 2 KB, 20 concurrent connections, one message per connection (connect, greeting, EHLO,
MAIL, RCPT, DATA, the message, QUIT), each command waiting for its reply. The load generator is one asyncio
client run in a child process, the same for both servers, so its CPU does not share the servers' interpreter.
Each server is measured in alternation, several rounds; the best round of each is compared. The server's
CPU time per message is printed too: on a busy machine it is steadier than the wall clock.

Run: python benchmarks/bench_sandbox_throughput.py [MESSAGES] [CONCURRENCY] [ROUNDS] [--uvloop]
(--uvloop runs both servers on uvloop, when it is installed.)
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from aiosmtpd.controller import Controller

from smtpshell.net.event_loop import NO_UVLOOP, loop_name
from smtpshell.net.sandbox import SandboxThread

MESSAGE_SIZE = 2048
SENDER = "alice@sandbox.test"
RECIPIENT = "bob@sandbox.test"


def make_message(size: int = MESSAGE_SIZE) -> bytes:
    head = b"From: alice@sandbox.test\r\nTo: bob@sandbox.test\r\nSubject: throughput\r\n\r\n"
    line = b"The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
    body = bytearray(head)
    while len(body) + len(line) <= size - 2:
        body += line
    body += b"x" * (size - 2 - len(body)) + b"\r\n"
    return bytes(body)


# ---- the load generator (runs in the child process) -------------------------------------------------------


class OneMessage(asyncio.Protocol):
    """One connection, one message, each command sent only after the reply to the one before (no pipelining).

    A bare Protocol rather than streams keeps the load generator's own cost per message low.
    """

    def __init__(self, script: list[tuple[bytes, int]], done: asyncio.Future[None]) -> None:
        self.script = script  # (what to send after the reply, the code that reply must have)
        self.step = 0
        self.buffer = b""
        self.done = done
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[: end + 1], self.buffer[end + 1 :]
            if line[3:4] == b"-":
                continue  # a multi-line reply goes on
            if not self.reply(line):
                return

    def reply(self, line: bytes) -> bool:
        """A complete reply: check its code, send the next step; False once the connection is given up."""
        send, expected = self.script[self.step]
        if int(line[:3]) != expected:
            self.fail(RuntimeError(f"step {self.step}: expected {expected}, got {line!r}"))
            return False
        self.step += 1
        assert self.transport is not None
        if send:
            self.transport.write(send)
        else:
            self.transport.close()
        return True

    def fail(self, error: Exception) -> None:
        if not self.done.done():
            self.done.set_exception(error)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done.done():
            return
        if self.step == len(self.script):
            self.done.set_result(None)
        else:
            self.done.set_exception(ConnectionError(f"closed at step {self.step}: {exc}"))


def message_script(payload: bytes) -> list[tuple[bytes, int]]:
    return [
        (b"EHLO bench.example\r\n", 220),
        (f"MAIL FROM:<{SENDER}>\r\n".encode(), 250),
        (f"RCPT TO:<{RECIPIENT}>\r\n".encode(), 250),
        (b"DATA\r\n", 250),
        (payload + b".\r\n", 354),
        (b"QUIT\r\n", 250),
        (b"", 221),
    ]


async def one_message(port: int, script: list[tuple[bytes, int]]) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    await loop.create_connection(lambda: OneMessage(script, done), "127.0.0.1", port)
    await done


async def drive(port: int, messages: int, concurrency: int) -> float:
    script = message_script(make_message())
    queue = iter(range(messages))

    async def worker() -> None:
        for _ in queue:
            await one_message(port, script)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def client_main(argv: list[str]) -> int:
    port, messages, concurrency = (int(a) for a in argv)
    elapsed = asyncio.run(drive(port, messages, concurrency))
    print(json.dumps({"elapsed": elapsed}))
    return 0


def pin_server() -> bool:
    """Keep the servers on CPU 0 and the load generator on CPU 1, so the scheduler moving them around does not
    decide the result (it moved the figures by a third between identical runs). Linux only; both servers alike."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2 or not shutil.which("taskset"):
        return False
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    return True


def client_pinning() -> list[str]:
    if not hasattr(os, "sched_getaffinity") or not shutil.which("taskset"):
        return []
    if len(os.sched_getaffinity(0)) != 1:
        return []
    available = sorted(range(os.cpu_count() or 1))
    server_cpu = next(iter(os.sched_getaffinity(0)))
    others = [cpu for cpu in available if cpu != server_cpu]
    return ["taskset", "-c", str(others[0])] if others else []


def run_client(port: int, messages: int, concurrency: int) -> tuple[float, float]:
    """Seconds the child client took to send ``messages`` (its start-up not included), and the CPU seconds this
    process (the server's thread; the main thread only waits) spent meanwhile."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = subprocess.run(
        [*client_pinning(), sys.executable, __file__, "--client", str(port), str(messages), str(concurrency)],
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    elapsed: float = json.loads(result.stdout)["elapsed"]
    return elapsed, cpu


# ---- the servers ------------------------------------------------------------------------------------------


class MemoryHandler:
    """aiosmtpd's in-memory sink: keeps each message, answers 250."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def measure_sandbox(messages: int, concurrency: int, *, uvloop: bool = False) -> tuple[float, float, int]:
    """The sandbox as `serve` and the shell run it: on uvloop where installed, or (uvloop False) on asyncio's."""
    saved = os.environ.get(NO_UVLOOP)
    if not uvloop:
        os.environ[NO_UVLOOP] = "1"
    try:
        with SandboxThread(max_connections=concurrency + 10, max_per_address=concurrency + 10) as sandbox:
            elapsed, cpu = run_client(sandbox.port, messages, concurrency)
            return elapsed, cpu, sandbox.store.accepted
    finally:
        if saved is None:
            os.environ.pop(NO_UVLOOP, None)
        else:
            os.environ[NO_UVLOOP] = saved


def measure_sandbox_uvloop(messages: int, concurrency: int) -> tuple[float, float, int]:
    return measure_sandbox(messages, concurrency, uvloop=True)


def measure_aiosmtpd(messages: int, concurrency: int) -> tuple[float, float, int]:
    handler = MemoryHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        elapsed, cpu = run_client(controller.port, messages, concurrency)
    finally:
        controller.stop()
    return elapsed, cpu, len(handler.messages)


def use_uvloop() -> bool:
    """Run both servers on uvloop (when installed): the comparison stays like for like."""
    try:
        import uvloop  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print("--uvloop: uvloop is not installed (pip install uvloop)")
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


def main(argv: list[str]) -> int:
    if "--uvloop" in argv:
        argv = [a for a in argv if a != "--uvloop"]
        if not use_uvloop():
            return 2
        print("both servers on uvloop (the load generator stays on asyncio's own loop)")
    messages = int(argv[0]) if argv else 2000
    concurrency = int(argv[1]) if len(argv) > 1 else 20
    rounds = int(argv[2]) if len(argv) > 2 else 3
    print(f"{messages} messages of {MESSAGE_SIZE} octets, {concurrency} concurrent connections, one message each")
    if pin_server():
        print("servers pinned to one CPU, the load generator to another")
    best: dict[str, float] = {}
    cpu_best: dict[str, float] = {}
    servers = [("sandbox", measure_sandbox), ("aiosmtpd", measure_aiosmtpd)]
    with_uvloop = loop_name() == "uvloop"
    if with_uvloop:
        servers.insert(0, ("sandbox+uvloop", measure_sandbox_uvloop))  # as `serve` runs it where uvloop exists
    for round_number in range(1, rounds + 1):
        for name, measure in servers:
            elapsed, cpu, delivered = measure(messages, concurrency)
            if delivered != messages:
                print(f"  {name}: delivered {delivered} of {messages}!")
                return 1
            rate = messages / elapsed
            per_message = cpu / messages * 1e6
            best[name] = max(best.get(name, 0.0), rate)
            cpu_best[name] = min(cpu_best.get(name, float("inf")), per_message)
            print(
                f"  round {round_number} {name:<14} {elapsed:6.2f} s  {rate:7.0f} msgs/s  "
                f"server CPU {per_message:5.0f} us/message"
            )
    print(f"best rate: sandbox {best['sandbox']:.0f} msgs/s, aiosmtpd {best['aiosmtpd']:.0f} msgs/s")
    print(f"ratio sandbox/aiosmtpd, messages per second: {best['sandbox'] / best['aiosmtpd']:.2f}x (target >= 1.5x)")
    if with_uvloop:
        ratio = best["sandbox+uvloop"] / best["aiosmtpd"]
        print(f"ratio sandbox on uvloop/aiosmtpd, messages per second: {ratio:.2f}x (target >= 2x)")
    else:
        print("uvloop is not installed here: the sandbox runs on asyncio's own loop")
    print(
        f"least server CPU per message: sandbox {cpu_best['sandbox']:.0f} us, aiosmtpd {cpu_best['aiosmtpd']:.0f} us "
        f"({cpu_best['aiosmtpd'] / cpu_best['sandbox']:.2f}x less for the sandbox)"
    )
    if with_uvloop:
        print(
            f"least server CPU per message on uvloop: sandbox {cpu_best['sandbox+uvloop']:.0f} us "
            f"({cpu_best['aiosmtpd'] / cpu_best['sandbox+uvloop']:.2f}x less than aiosmtpd)"
        )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        raise SystemExit(client_main(sys.argv[2:]))
    with tempfile.TemporaryDirectory(prefix="smtpshell-bench-") as home:
        os.environ.setdefault("SMTPSHELL_HOME", home)  # the sandbox's certificate goes here, not the real one
        raise SystemExit(main(sys.argv[1:]))

"""1,000 connections open at once, each completing a transaction: delivered == sent, and the server's peak memory.

The same load runs against aiosmtpd (a Controller with an in-memory handler) in the same run for comparison.
The clients (a child process) open every connection and read every greeting before any of them sends EHLO, so all
of them are open together; then each sends one message and QUITs. Peak memory is what tracemalloc saw the
server's process allocate during the load (above what it held before), and what it still holds after (the
captured messages; for the sandbox also its server log), plus the process's peak resident size.

Run: python benchmarks/bench_sandbox_connections.py [CONNECTIONS]
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

from aiosmtpd.controller import Controller
from bench_sandbox_throughput import MemoryHandler, OneMessage, free_port, make_message, message_script

from smtpshell.net.sandbox import SandboxThread


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class HeldConnection(OneMessage):
    """Reads the greeting, waits until every connection has one, then runs the script of the throughput bench."""

    def __init__(self, script: list[tuple[bytes, int]], greeted: asyncio.Future[None], done: asyncio.Future[None]):
        super().__init__(script, done)
        self.greeted = greeted

    def go(self) -> None:
        assert self.transport is not None
        self.step = 1
        self.transport.write(self.script[0][0])

    def reply(self, line: bytes) -> bool:
        if self.step > 0:
            return super().reply(line)
        if int(line[:3]) != 220:
            self.greeted.set_exception(RuntimeError(f"greeting {line!r}"))
        elif not self.greeted.done():
            self.greeted.set_result(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.greeted.done():
            self.greeted.set_exception(ConnectionError(f"closed before the greeting: {exc}"))
        super().connection_lost(exc)


async def hold_and_send(port: int, connections: int) -> dict[str, float | str]:
    loop = asyncio.get_running_loop()
    script = message_script(make_message())
    opened: list[HeldConnection] = []
    greetings: list[asyncio.Future[None]] = []
    finished: list[asyncio.Future[None]] = []
    started = time.perf_counter()
    for _ in range(connections):
        greeted: asyncio.Future[None] = loop.create_future()
        done: asyncio.Future[None] = loop.create_future()
        _, protocol = await loop.create_connection(
            functools.partial(HeldConnection, script, greeted, done), "127.0.0.1", port
        )
        opened.append(protocol)
        greetings.append(greeted)
        finished.append(done)
    await asyncio.gather(*greetings)
    all_open = time.perf_counter()
    for protocol in opened:
        protocol.go()
    results = await asyncio.gather(*finished, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    return {
        "open_seconds": all_open - started,
        "transaction_seconds": time.perf_counter() - all_open,
        "failures": len(failures),
        "first_failure": str(failures[0]) if failures else "",
    }


def client_main(argv: list[str]) -> int:
    port, connections = int(argv[0]), int(argv[1])
    raise_file_limit(connections + 100)
    print(json.dumps(asyncio.run(hold_and_send(port, connections))))
    return 0


def run_load(port: int, connections: int) -> tuple[dict[str, float], int, int]:
    """The child's figures; the bytes this process allocated at the peak of the load, and still holds after it
    (the captured messages, and for the sandbox its server log), both above what it held before."""
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = subprocess.run(
        [sys.executable, __file__, "--client", str(port), str(connections)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak = tracemalloc.get_traced_memory()[1]
    gc.collect()  # closed connections may sit in reference cycles until the collector runs
    now = tracemalloc.get_traced_memory()[0]
    figures: dict[str, float] = json.loads(result.stdout)
    return figures, peak - base, now - base


def report(name: str, connections: int, figures: dict[str, float], delivered: int, peak: int, kept: int) -> None:
    status = "ok" if delivered == connections and not figures["failures"] else "MISMATCH"
    print(
        f"  {name:<9} all {connections} open in {figures['open_seconds']:.2f} s, transactions done in "
        f"{figures['transaction_seconds']:.2f} s; sent {connections}, delivered {delivered} ({status})\n"
        f"  {'':<9} peak traced memory {peak / 2**20:.1f} MiB; kept after: {kept / 2**20:.1f} MiB; "
        f"peak minus kept: {(peak - kept) / connections / 1024:.1f} KiB per connection"
    )
    if figures["failures"]:
        print(f"    {int(figures['failures'])} client failures, first: {figures['first_failure']}")


def main(argv: list[str]) -> int:
    connections = int(argv[0]) if argv else 1000
    raise_file_limit(2 * connections + 100)
    print(f"{connections} connections open at once, each sending one message of {len(make_message())} octets")
    tracemalloc.start()
    with SandboxThread(max_connections=connections + 10, max_per_address=connections + 10) as sandbox:
        figures, peak_sandbox, kept = run_load(sandbox.port, connections)
        delivered_sandbox = sandbox.store.accepted
        failures = figures["failures"]
    report("sandbox", connections, figures, delivered_sandbox, peak_sandbox, kept)
    handler = MemoryHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        figures, peak_aiosmtpd, kept = run_load(controller.port, connections)
    finally:
        controller.stop()
    report("aiosmtpd", connections, figures, len(handler.messages), peak_aiosmtpd, kept)
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"peak memory ratio aiosmtpd/sandbox: {peak_aiosmtpd / peak_sandbox:.2f}x")
    print(f"server process peak resident size (both servers, one after the other): {maxrss / 1024:.0f} MiB")
    return 0 if delivered_sandbox == connections and not failures else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        raise SystemExit(client_main(sys.argv[2:]))
    with tempfile.TemporaryDirectory(prefix="smtpshell-bench-") as home:
        os.environ.setdefault("SMTPSHELL_HOME", home)  # the sandbox's certificate goes here, not the real one
        raise SystemExit(main(sys.argv[1:]))

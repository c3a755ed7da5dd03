"""A scripted SMTP transaction to a real server: `smtpshell --plain --connect HOST:PORT < session.txt` against swaks
sending the same transaction to the same server, each a fresh process, timed from spawn to exit.

The server is aiosmtpd on 127.0.0.1 in this process (a server nobody here wrote); both clients say EHLO, MAIL,
RCPT, DATA with the same three-line message, and QUIT. Needs swaks (Debian: apt-get install swaks) and the test
extras (aiosmtpd). A third row, `python -c 'import asyncio'`, is the floor of any client built on asyncio
(the interpreter starting, asyncio and the ssl it imports), measured in the same run.
Run: python benchmarks/bench_script_vs_swaks.py [N]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from bench_sandbox_throughput import free_port

SESSION = """\
EHLO bench.example
MAIL FROM:<alice@example.org>
RCPT TO:<bob@example.net>
DATA
Subject: benchmark

one line of text
.
QUIT
"""


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        return "250 2.0.0 Ok: queued"


def timed(argv: list[str], stdin: str | None, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds from spawn to exit, CPU seconds the process used): on a busy machine the CPU time is the
    steadier figure, since waiting for a core counts in the wall time only."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.write(stdin or "")
    process.stdin.close()
    out, err = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{argv[:3]} exited {process.returncode}: {out[-400:]}{err[-400:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    swaks = shutil.which("swaks")
    if swaks is None:
        print("swaks is not installed (Debian: apt-get install swaks)", file=sys.stderr)
        return 2
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as home:
            # As installed by pip: bytecode and the explanations' parsed-data cache are written once, then read.
            # HOME (not SMTPSHELL_HOME) points at a scratch folder, so the user data directory is found as usual.
            drop = ("PYTHONDONTWRITEBYTECODE", "SMTPSHELL_HOME", "XDG_DATA_HOME")
            env = {k: v for k, v in os.environ.items() if k not in drop} | {"HOME": home}
            target = f"127.0.0.1:{controller.port}"
            ours = [sys.executable, "-m", "smtpshell", "--plain", "--connect", target]
            quiet = [*ours, "--no-explain"]
            theirs = [swaks, "--server", target, "--helo", "bench.example", "--from", "alice@example.org"]
            theirs += ["--to", "bob@example.net", "--data", "Subject: benchmark\n\none line of text\n", "--silent"]
            for argv, stdin in ((ours, SESSION), (theirs, None)):  # warm the OS caches once each
                timed(argv, stdin, env)
            # The floor of any asyncio client: Python starting and importing asyncio (which imports ssl), no more.
            floor = [sys.executable, "-c", "import asyncio"]
            wall: dict[str, list[float]] = {"ours": [], "quiet": [], "floor": [], "swaks": []}
            cpu: dict[str, list[float]] = {"ours": [], "quiet": [], "floor": [], "swaks": []}
            runners = (("ours", ours, SESSION), ("quiet", quiet, SESSION), ("floor", floor, ""))
            runners += (("swaks", theirs, None),)
            for _ in range(runs):  # interleaved, so a slow moment of the machine hits all of them
                for key, argv, stdin in runners:
                    elapsed, used = timed(argv, stdin, env)
                    wall[key].append(elapsed)
                    cpu[key].append(used)
    finally:
        controller.stop()
    assert sink.count == 3 * runs + 2, sink.count  # every run delivered its message
    print(f"one scripted transaction (EHLO MAIL RCPT DATA QUIT) to aiosmtpd, {runs} runs each, spawn to exit:")
    print(f"  {'':44}{'wall median':>12}{'wall min':>12}{'CPU median':>12}")
    labels = {
        "ours": "smtpshell --plain --connect < session.txt",
        "quiet": "smtpshell ... --no-explain",
        "floor": "python -c 'import asyncio' (no SMTP)",
    }
    figures = {key: (statistics.median(wall[key]), min(wall[key]), statistics.median(cpu[key])) for key in wall}
    for key, label in (*labels.items(), ("swaks", "swaks --silent")):
        print(f"  {label:44}" + "".join(f"{value * 1000:9.1f} ms" for value in figures[key]))
    for key, label in labels.items():
        ratios = [ours / theirs for ours, theirs in zip(figures[key], figures["swaks"], strict=True)]
        print(f"  ratio to swaks: {label:28}" + "".join(f"{ratio:11.2f}x" for ratio in ratios))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

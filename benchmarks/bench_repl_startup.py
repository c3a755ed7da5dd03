"""Start-up time of `smtpshell --plain` to its first prompt, against a bare prompt_toolkit PromptSession.

Both run the same way: a fresh Python process on a pseudo-terminal, timed from spawn until the prompt text appears
on the terminal. smtpshell's figure includes starting the sandbox thread, connecting to it over loopback and
reading its greeting, since the learner waits for all of that. Run: python benchmarks/bench_repl_startup.py [N]
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

BARE = "from prompt_toolkit import PromptSession\nPromptSession().prompt('bare> ')\n"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>]")
TIMEOUT = 30.0


def time_to_prompt(argv: list[str], marker: bytes, env: dict[str, str]) -> float:
    """Seconds from spawning ``argv`` on a new pty until ``marker`` shows on it.

    The marker leaves out the prompt's trailing space: prompt_toolkit may draw a space as a cursor movement.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # a 100x30 terminal for both
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while True:
            left = TIMEOUT - (time.perf_counter() - started)
            if left <= 0:
                raise RuntimeError(f"no prompt after {TIMEOUT:.0f} s from {argv}: {seen[-300:]!r}")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                raise RuntimeError(f"{argv} ended before its prompt: {seen[-300:]!r}") from None
            seen += chunk
            if b"\x1b[6n" in chunk:  # prompt_toolkit asks where the cursor is; answer as a terminal would
                os.write(master, b"\x1b[1;1R")
            if marker in ANSI.sub(b"", seen):
                return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SMTPSHELL_HOME": home, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
        ours = [sys.executable, "-m", "smtpshell", "--plain"]
        bare = [sys.executable, "-c", BARE]
        # One run each first: the sandbox makes its certificate on first use, and the OS caches the files.
        time_to_prompt(ours, b"smtp>", env)
        time_to_prompt(bare, b"bare>", env)
        shell_times, bare_times = [], []
        for _ in range(runs):  # interleaved, so a slow moment of the machine hits both
            shell_times.append(time_to_prompt(ours, b"smtp>", env))
            bare_times.append(time_to_prompt(bare, b"bare>", env))
    shell, peer = statistics.median(shell_times), statistics.median(bare_times)
    print(f"start-up to first prompt, median of {runs} runs on a pty (warm caches):")
    print(f"  smtpshell --plain (sandbox started, greeting read)  {shell * 1000:7.1f} ms")
    print(f"  bare prompt_toolkit PromptSession                   {peer * 1000:7.1f} ms")
    print(f"  ratio smtpshell / bare                              {shell / peer:7.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

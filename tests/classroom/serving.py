"""`python -m smtpshell serve …` in a child process, its output read line by line with a deadline on each wait."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path


class Serving:
    """`python -m smtpshell serve ARGS` with its output read line by line, each wait bounded by a deadline."""

    def __init__(self, home: Path, *args: str) -> None:
        env = {**os.environ, "SMTPSHELL_HOME": str(home), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "smtpshell", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=home.parent,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout, selectors.EVENT_READ, "out")
        self._selector.register(self.process.stderr, selectors.EVENT_READ, "err")
        self._buffers = {"out": b"", "err": b""}
        self.lines: dict[str, list[str]] = {"out": [], "err": []}

    def wait_for(self, pattern: str, stream: str = "out", timeout: float = 30.0) -> re.Match[str]:
        """The first line (read from now on, or kept from before) that matches ``pattern``."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for line in self.lines[stream][seen:]:
                match = re.search(pattern, line)
                if match:
                    self.lines[stream].remove(line)
                    return match
            seen = len(self.lines[stream])
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line matching {pattern!r} within {timeout} s; got {self.lines}")
            for key, _ in self._selector.select(left):
                name = str(key.data)
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    self._selector.unregister(key.fileobj)
                    if not self._selector.get_map():
                        raise AssertionError(f"serve ended early; output {self.lines}, rest {self._buffers}")
                    continue
                data = self._buffers[name] + chunk
                *complete, self._buffers[name] = data.split(b"\n")
                self.lines[name] += [line.decode("utf-8", "replace") for line in complete]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        finally:
            self.process.kill()
            self._selector.close()

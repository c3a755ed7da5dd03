"""Start-up time of `smtpshell explain 250` against `python -c pass`, measured in the same run.

`smtpshell explain` must start fast: it imports no UI toolkit and reads only the knowledge files it needs. This
prints the median wall time of each command over several runs and their ratio, and, as a floor, the time of
importing the shared protocol tables every explanation needs (proto/replies, commands, client_state).

Like an installed package, the runs use compiled bytecode and the knowledge cache: the children run without
PYTHONDONTWRITEBYTECODE and a warm-up run writes both caches first.

    python benchmarks/bench_explain_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

ENV = {key: value for key, value in os.environ.items() if key not in ("PYTHONDONTWRITEBYTECODE", "SMTPSHELL_NO_CACHE")}
FLOOR = "import smtpshell.proto.replies, smtpshell.proto.commands, smtpshell.proto.client_state"


def measure(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of ``runs`` runs, in seconds."""
    subprocess.run(command, check=True, capture_output=True, env=ENV)  # warm-up: writes .pyc and knowledge cache
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=ENV)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each command per round (default 21)")
    runs = parser.parse_args().runs
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import of proto tables (floor)": [sys.executable, "-c", FLOOR],
        "python -m smtpshell explain 250": [sys.executable, "-m", "smtpshell", "explain", "250"],
    }
    # Three interleaved rounds, so a machine that slows down mid-run affects every command alike.
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(3):
        for name, command in commands.items():
            results[name].append(measure(command, runs))
    wall = {name: statistics.median(w for w, _ in rounds) for name, rounds in results.items()}
    cpu = {name: statistics.median(c for _, c in rounds) for name, rounds in results.items()}
    for name in commands:
        print(f"{name:34} {wall[name] * 1000:7.1f} ms wall  {cpu[name] * 1000:7.1f} ms cpu  (median, 3x{runs} runs)")
    ours, peer, floor = "python -m smtpshell explain 250", "python -c pass", "import of proto tables (floor)"
    print(f"ratio explain/pass: {wall[ours] / wall[peer]:.2f}x wall, {cpu[ours] / cpu[peer]:.2f}x cpu")
    print(f"explain above the floor: {(wall[ours] - wall[floor]) * 1000:.1f} ms wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Whole-process timings, interleaved run by run, and `-X importtime` lists to compare."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable


class CommandFailed(RuntimeError):
    """A measured command exited non-zero: its figures would mean nothing."""


@dataclass
class Command:
    """One process to time; `target` is the most it may take as a ratio to the framework floor."""

    label: str
    argv: list[str]
    target: float | None = None
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + sys seconds of each run

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


def crm_argv(*args: str) -> list[str]:
    """`crm ARGS` through the installed console script (what cron runs), else `python -m crm_tui`."""
    script = Path(PYTHON).with_name("crm")
    if script.is_file():
        return [str(script), *args]
    return [PYTHON, "-m", "crm_tui", *args]


def bench_env(db: Path) -> dict[str, str]:
    """The environment of every measured process: the bench database, a fixed user and zone."""
    # Without PYTHONDONTWRITEBYTECODE the unmeasured first run leaves compiled bytecode, as an
    # installed crm has; with it, every measured run would recompile the package first.
    dropped = ("PYTHONPROFILE", "PYTHONDONTWRITEBYTECODE", "CRM_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update({"CRM_DB": str(db), "CRM_USER": "bench", "TZ": "UTC", "NO_COLOR": "1"})
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(command: Command, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one cold run of the command, stdout to /dev/null.

    CPU time is the steadier figure on a shared machine: it does not count the time the
    process waited for a core.
    """
    cpu_before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    if done.returncode != 0:
        raise CommandFailed(f"{command.label} exited {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed, cpu


def time_interleaved(commands: Sequence[Command], env: dict[str, str], runs: int) -> None:
    """`runs` rounds of every command, the order rotated each round, after one unmeasured round.

    Interleaving spreads the machine's noise over the baselines and the candidates alike.
    """
    for command in commands:
        run_once(command, env)  # warms the page cache and the bytecode cache
    for round_no in range(runs):
        shift = round_no % len(commands)
        for command in [*commands[shift:], *commands[:shift]]:
            wall, cpu = run_once(command, env)
            command.seconds.append(wall)
            command.cpu.append(cpu)


@dataclass(frozen=True)
class ImportTime:
    """One module's median import time over a few runs, in microseconds."""

    module: str
    self_us: float
    cumulative_us: float


def import_times(argv: list[str], env: dict[str, str], runs: int = 3) -> dict[str, ImportTime]:
    """Every module `argv` imports, with its median self and cumulative `-X importtime` figures."""
    samples: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for _ in range(runs):
        done = subprocess.run(
            [PYTHON, "-X", "importtime", *argv], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise CommandFailed(f"-X importtime {argv} exited {done.returncode}: {done.stderr[-2000:]}")
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "[us]" in line:
                continue
            self_us, cumulative_us, module = line[len("import time:") :].split("|", 2)
            samples[module.strip()].append((int(self_us), int(cumulative_us)))
    return {
        name: ImportTime(name, statistics.median(s for s, _ in values), statistics.median(c for _, c in values))
        for name, values in samples.items()
    }


def beyond_floor(candidate: dict[str, ImportTime], floor: dict[str, ImportTime]) -> list[ImportTime]:
    """Modules the candidate imports that the floor does not, slowest (self time) first."""
    extra = [t for name, t in candidate.items() if name not in floor]
    return sorted(extra, key=lambda t: t.self_us, reverse=True)


def by_package(times: Sequence[ImportTime], depth: int = 2) -> list[tuple[str, float, int]]:
    """Self time summed per package prefix (`sqlalchemy.dialects`, `crm_tui.services`), slowest first."""
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for t in times:
        key = ".".join(t.module.split(".")[:depth])
        totals[key] += t.self_us
        counts[key] += 1
    return sorted(((k, v, counts[k]) for k, v in totals.items()), key=lambda item: item[1], reverse=True)

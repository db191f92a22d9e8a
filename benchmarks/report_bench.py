"""Time `crm report ...` and the Dashboard against same-run baselines.

    report_bench.py [--quick] [--runs N] [--screen-runs N]

On the money benchmark database (100,000 contacts, 1,000,000 interactions, 20,000 deals,
200,000 payments; `money_bench.ensure_money_db`): each `crm report` as a cold process against
`python -c "import typer, sqlmodel"` (target: at most 1.3x), and the Dashboard fully filled (every
panel's query returned and applied) against a bare Textual app's first paint (target: at most 4x),
interleaved run by run, medians, wall and CPU. Before timing, `crm due` and `crm value` run once,
as cron and the app do: they store the rhythms and the value ranking the reports read.
A report, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from processes import PYTHON, Command, bench_env, crm_argv, time_interleaved  # noqa: E402

COMMAND_TARGET = 1.3
SCREEN_TARGET = 4.0
SIZE = (120, 40)
REPORTS = (
    ("activity",),
    ("activity", "--by", "month"),
    ("relationships",),
    ("pipeline",),
    ("revenue",),
    ("revenue", "--past", "0"),
    ("revenue", "--by", "quarter", "--by", "tier"),
    ("feedback",),
)


def child_dashboard(db: str) -> None:
    """`crm --open dashboard` headless until every panel is filled; print the instant as JSON."""
    from crm_tui.app import make_app
    from crm_tui.config import Settings
    from crm_tui.screens.dashboard import DashboardScreen

    settings = Settings(db_url=f"sqlite:///{db}", user="bench", tz_name="UTC")
    app = make_app(settings, start="dashboard")  # as `crm --open dashboard` (run_app) opens it
    app.freeze_start_up = True
    done: dict[str, float] = {}

    async def pilot(p: Any) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            screen = app.screen
            if isinstance(screen, DashboardScreen) and screen.is_filled:
                await p.pause()  # the frame that shows the last panel
                done.update(filled=time.time(), cpu=time.process_time())
                break
            await asyncio.sleep(0.002)
        app.exit()

    app.run(headless=True, size=SIZE, auto_pilot=pilot)
    print(json.dumps(done))


def spawn_dashboard(db: Path) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    env.pop("NO_COLOR", None)
    started = time.time()
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(db)], capture_output=True, text=True, env=env, timeout=180, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["filled"] - started, result["cpu"]


def time_screen(db: Path, runs: int) -> tuple[list[float], list[float], list[float], list[float]]:
    import app_bench

    # The children inherit this environment: under PYTHONDONTWRITEBYTECODE each would compile every
    # crm module it imports (the bare app's come compiled from site-packages), as no installed crm does.
    app_bench.compile_app(HERE.parent)
    spawn_dashboard(db)  # unmeasured: page cache
    app_bench.spawn("hello")
    dash, dash_cpu, hello, hello_cpu = [], [], [], []
    for i in range(runs):
        for which in ("dash", "hello") if i % 2 == 0 else ("hello", "dash"):
            if which == "dash":
                seconds, cpu = spawn_dashboard(db)
                dash.append(seconds)
                dash_cpu.append(cpu)
            else:
                result = app_bench.spawn("hello")
                hello.append(result["seconds"])
                hello_cpu.append(result["cpu"])
    return dash, dash_cpu, hello, hello_cpu


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_dashboard(sys.argv[2])
        return 0
    from money_bench import ensure_money_db

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the 10,000-contact database, 2,000 deals")
    parser.add_argument("--runs", type=int, default=11, help="rounds of the cold commands (default 11)")
    parser.add_argument("--screen-runs", type=int, default=7, help="rounds of the Dashboard timing (default 7)")
    args = parser.parse_args(argv)
    db = ensure_money_db(args.quick)
    env = bench_env(db)
    for warm in (("due", "--format", "plain"), ("value", "--limit", "1", "--format", "plain")):
        subprocess.run(crm_argv(*warm), env=env, stdout=subprocess.DEVNULL, check=True)
    floor = Command("floor: python -c 'import typer, sqlmodel'", [PYTHON, "-c", "import typer, sqlmodel"])
    commands = [
        Command("crm report " + " ".join(r), crm_argv("report", *r, "--format", "plain"), COMMAND_TARGET)
        for r in REPORTS
    ]
    time_interleaved([floor, *commands], env, args.runs)
    print(f"\n{db.name}: cold processes, medians of {args.runs} interleaved runs (a shared machine: noisy)")
    print(f"{'':48} {'wall ms':>9} {'× floor':>8} {'cpu ms':>8} {'× floor':>8}  target")
    print(f"{floor.label:48} {floor.median * 1000:9.0f} {'1.00':>8} {floor.median_cpu * 1000:8.0f} {'1.00':>8}")
    for command in commands:
        wall, cpu = command.median / floor.median, command.median_cpu / floor.median_cpu
        verdict = "ok" if cpu <= COMMAND_TARGET else "OVER"
        print(
            f"{command.label:48} {command.median * 1000:9.0f} {wall:8.2f} {command.median_cpu * 1000:8.0f} "
            f"{cpu:8.2f}  ≤ {COMMAND_TARGET}x: {verdict} (cpu)"
        )
    dash, dash_cpu, hello, hello_cpu = time_screen(db, args.screen_runs)
    d, h = statistics.median(dash), statistics.median(hello)
    dc, hc = statistics.median(dash_cpu), statistics.median(hello_cpu)
    print(f"\nDashboard fully filled vs a bare Textual app's first paint, medians of {args.screen_runs}, interleaved")
    print(f"{'bare Textual app':48} {h * 1000:9.0f} {'1.00':>8} {hc * 1000:8.0f} {'1.00':>8}")
    verdict = "ok" if d / h <= SCREEN_TARGET else "OVER"
    print(
        f"{'Dashboard filled':48} {d * 1000:9.0f} {d / h:8.2f} {dc * 1000:8.0f} {dc / hc:8.2f}"
        f"  ≤ {SCREEN_TARGET}x: {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

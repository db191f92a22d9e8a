"""Instructions `crm import contacts` executes, counted by valgrind (callgrind): a figure that does not
vary with the machine's load, for changes too small for CPU time to settle.

    .venv/bin/python benchmarks/import_instructions.py                        # 20,000 rows
    .venv/bin/python benchmarks/import_instructions.py --compare /tmp/base    # also that checkout's code

On this project's shared 2-core machine one import's CPU time varies by about 20% from one round
to the next (issue 13), so a 2% change cannot be seen in `import_bench.py`. Instruction counts
repeat to a few parts in ten thousand. They leave out what the kernel does (the reads and writes
of the file, see `strace -c`) and what a cache miss costs, so they decide between two ways of
doing the same work; the targets stay `import_bench.py`'s CPU times.

Each code (this checkout's, and `--compare`'s) imports the same generated file into an empty
database it creates, then imports it again (every row unchanged), and imports a file of one row
(start-up: interpreter, imports, opening the database). Each count is one whole process under
`valgrind --tool=callgrind`, about 50 times slower than without: two run at a time. Needs valgrind.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import DATA, ROOT, compile_code, crm_env, empty_crm_db, generate

_COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(db: Path, source: Path, code: Path | None) -> int:
    """Instructions of one `crm import contacts source` process into `db` (valgrind's count)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m", "crm_tui",
         "import", "contacts", str(source)],
        env=crm_env(db, code), cwd=db.parent, capture_output=True, text=True,
    )  # fmt: skip
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"crm import contacts {source.name} failed under valgrind:\n{done.stderr[-2000:]}")
    return int(found[1])


def measure(code: Path | None, source: Path, one_row: Path, work: Path) -> dict[str, int]:
    """Start-up, import and re-import instructions of one checkout's code."""
    name = "this" if code is None else "other"
    db = empty_crm_db(work / f"{name}.db", code)
    counts = {"import": instructions(db, source, code), "re-import": instructions(db, source, code)}
    counts["start-up"] = instructions(empty_crm_db(work / f"{name}-one.db", code), one_row, code)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT", help="also count another checkout's code")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind): it counts the instructions")
    DATA.mkdir(exist_ok=True)
    source = DATA / f"contacts-{args.rows}.csv"
    if not source.exists():
        generate(source, args.rows)
    codes: list[Path | None] = [None] if args.compare is None else [None, args.compare.resolve()]
    for code in codes:
        compile_code(ROOT if code is None else code)
    with tempfile.TemporaryDirectory(prefix="crm-instructions-") as tmp:
        work = Path(tmp)
        one_row = work / "one-row.csv"
        with open(source, encoding="utf-8") as f:
            one_row.write_text(f.readline() + f.readline(), encoding="utf-8")
        places = [work / str(i) for i in range(len(codes))]
        for place in places:
            place.mkdir()
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {
                code: pool.submit(measure, code, source, one_row, place)
                for code, place in zip(codes, places, strict=True)
            }
            runs = {code: future.result() for code, future in futures.items()}
    print(f"{source.name}: instructions of one process (valgrind), per row after start-up")
    header = f"{'measure':<12}{'this':>16}{'per row':>10}"
    if args.compare is not None:
        header += f"{'other':>16}{'per row':>10}{'this/other':>12}"
    print(header)
    for measure_name in ("start-up", "import", "re-import"):
        line = ""
        for code in codes:
            counts = runs[code]
            total = counts[measure_name]
            per_row = "" if measure_name == "start-up" else f"{(total - counts['start-up']) / args.rows:,.0f}"
            line += f"{total:>16,}{per_row:>10}"
        if args.compare is not None:
            line += f"{runs[None][measure_name] / runs[args.compare.resolve()][measure_name]:>11.3f}x"
        print(f"{measure_name:<12}{line}")
    if args.compare is not None:
        print(f"'other': the code of {args.compare}, on files it creates")


if __name__ == "__main__":
    main()

"""`crm import mail` speed and memory, against Python's own mailbox.mbox over the same file, same run.

    .venv/bin/python benchmarks/mail_bench.py                    # 100,000 messages, 3 rounds, + 1 GB RSS
    .venv/bin/python benchmarks/mail_bench.py --messages 5000 --rounds 1 --no-gigabyte

Each round (the order rotated round by round, after one unmeasured warm-up of each) times,
as whole processes:
- the baseline: `mailbox.mbox(PATH)` iterated with the headers an importer needs read
  (From, To, Cc, Subject, Date, Message-ID): Python's own parse of every message;
- `crm import mail PATH --me ...` into a copy of a database holding 2,000 contacts (the copy
  is made before the clock starts), start-up, matching, body text and search index included.
Figures are medians of wall and CPU (user + sys) seconds; CPU is the steadier one on a shared
machine. Then, once, the peak RSS of `crm import mail` on a mailbox of about 1 GB (and of the
baseline on it, for comparison).

The mailboxes are generated (seeded) into benchmarks/.data/ and kept: 70% of messages have a
contact in them, 40% are sent by "me", 25% have an HTML alternative, 5% a base64 attachment,
a few are from robots and strangers.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
sys.path.insert(0, str(ROOT))

from benchmarks.processes import PYTHON, bench_env, crm_argv  # noqa: E402

CONTACTS = 2000
ME = "me@bench.example"
BASELINE = """
import mailbox, sys
n = 0
for message in mailbox.mbox(sys.argv[1], create=False):
    for name in ("from", "to", "cc", "subject", "date", "message-id"):
        message.get(name)
    n += 1
print(n)
"""
WORDS = [
    "proposal",
    "renewal",
    "invoice",
    "meeting",
    "schedule",
    "budget",
    "contract",
    "deck",
    "review",
    "launch",
    "pricing",
    "timeline",
    "draft",
    "follow",
    "thanks",
    "question",
    "update",
    "numbers",
    "quarter",
    "plan",
    "team",
    "coffee",
    "lunch",
    "call",
    "notes",
    "agenda",
]


def _text(rng: random.Random, words: int) -> str:
    lines = []
    for _ in range(max(1, words // 12)):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + ".")
    return "\n".join(lines)


def _message(rng: random.Random, n: int, *, body_words: int, attachment_bytes: int) -> bytes:
    contact = f"Person {rng.randrange(CONTACTS)} <c{rng.randrange(CONTACTS):04d}@corp.example>"
    roll = rng.random()
    if roll < 0.7:
        other = contact
    elif roll < 0.9:
        other = f"Stranger {n} <s{n}@elsewhere.example>"
    else:
        other = "Shop <noreply@shop.example>"
    outgoing = rng.random() < 0.4 and roll < 0.9
    sender, to = (f"Me <{ME}>", other) if outgoing else (other, f"Me <{ME}>")
    day = 1 + n % 28
    head = (
        f"From: {sender}\nTo: {to}\nSubject: {rng.choice(WORDS).capitalize()} {n}\n"
        f"Date: Mon, {day} Jun 2026 {n % 24:02d}:{n % 60:02d}:00 +0200\nMessage-ID: <m{n}@bench.example>\n"
        "MIME-Version: 1.0\n"
    )
    text = _text(rng, body_words)
    if rng.random() < 0.25 or (attachment_bytes and rng.random() < 0.05):
        parts = [f'Content-Type: text/plain; charset="utf-8"\n\n{text}\n']
        if rng.random() < 0.7:
            html = "".join(f"<p>{line}</p>" for line in text.splitlines())
            parts.append(f'Content-Type: text/html; charset="utf-8"\n\n<html><body>{html}</body></html>\n')
        if attachment_bytes:
            import base64

            blob = base64.encodebytes(rng.randbytes(attachment_bytes)).decode("ascii")
            parts.append(
                f'Content-Type: application/pdf; name="file{n}.pdf"\nContent-Transfer-Encoding: base64\n'
                f'Content-Disposition: attachment; filename="file{n}.pdf"\n\n{blob}'
            )
        body = "".join(f"--b{n}\n{part}\n" for part in parts) + f"--b{n}--\n"
        head += f'Content-Type: multipart/mixed; boundary="b{n}"\n'
    else:
        body = text + "\n"
    return f"From bench@bench.example Mon Jun  1 10:00:00 2026\n{head}\n{body}\n".encode()


def make_mbox(path: Path, messages: int, *, body_words: int, attachment_bytes: int, seed: int = 7) -> Path:
    """Write (once) a seeded mbox of `messages` messages."""
    if path.exists():
        return path
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        for n in range(messages):
            out.write(_message(rng, n, body_words=body_words, attachment_bytes=attachment_bytes))
    tmp.rename(path)
    return path


def make_base_db(path: Path) -> Path:
    """A database with CONTACTS contacts c0000@corp.example... (via crm import contacts)."""
    if path.exists():
        return path
    csv_path = path.with_suffix(".csv")
    rows = ["name,email"] + [f"Person {i},c{i:04d}@corp.example" for i in range(CONTACTS)]
    csv_path.write_text("\n".join(rows) + "\n")
    subprocess.run([*crm_argv("import", "contacts", str(csv_path))], env=bench_env(path), check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return path


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (bytes) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if status != 0:
        raise SystemExit(f"{argv[:3]} failed ({status}): {stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-gigabyte", action="store_true", help="skip the 1 GB peak-RSS run")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    work = DATA / "mail-bench"
    work.mkdir(exist_ok=True)
    mbox = make_mbox(DATA / f"mail-{args.messages}.mbox", args.messages, body_words=60, attachment_bytes=0)
    base = make_base_db(DATA / "mail-base.db")
    db = work / "run.db"
    env = bench_env(db)
    baseline = [PYTHON, "-c", BASELINE, str(mbox)]
    crm = crm_argv("import", "mail", str(mbox), "--me", ME)

    def fresh_db() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        shutil.copyfile(base, db)

    size_mb = mbox.stat().st_size / 1e6
    print(f"mbox: {args.messages:,} messages, {size_mb:,.0f} MB; {CONTACTS:,} contacts; {args.rounds} rounds")
    figures: dict[str, list[tuple[float, float, int]]] = {"baseline": [], "crm": []}
    fresh_db()
    run_measured(baseline, env)  # unmeasured: warms the page cache and bytecode
    run_measured(crm, env)
    for round_no in range(args.rounds):
        order = ["baseline", "crm"] if round_no % 2 == 0 else ["crm", "baseline"]
        for name in order:
            if name == "crm":
                fresh_db()
            figures[name].append(run_measured(baseline if name == "baseline" else crm, env))
    med = {
        name: (statistics.median(w for w, _, _ in f), statistics.median(c for _, c, _ in f))
        for name, f in figures.items()
    }
    print(f"{'':34}{'wall s':>9}{'CPU s':>9}{'peak RSS':>10}")
    for name, label in (("baseline", "mailbox.mbox + headers (baseline)"), ("crm", "crm import mail")):
        wall, cpu = med[name]
        rss = max(r for _, _, r in figures[name]) / 1e6
        print(f"{label:34}{wall:9.2f}{cpu:9.2f}{rss:8.0f}MB")
    ratio_wall, ratio_cpu = med["crm"][0] / med["baseline"][0], med["crm"][1] / med["baseline"][1]
    print(f"crm / baseline: wall {ratio_wall:.2f}x, CPU {ratio_cpu:.2f}x (target at most 3x; medians, noisy machine)")
    if args.no_gigabyte:
        return
    big = make_mbox(DATA / "mail-1gb.mbox", 100_000, body_words=120, attachment_bytes=25000, seed=11)
    fresh_db()
    wall, cpu, rss = run_measured(crm_argv("import", "mail", str(big), "--me", ME), env)
    base_wall, base_cpu, base_rss = run_measured([PYTHON, "-c", BASELINE, str(big)], env)
    print(
        f"1 GB mbox ({big.stat().st_size / 1e9:.2f} GB): crm import mail peak RSS {rss / 1e6:.0f} MB"
        f" (target under 150 MB), {wall:.1f} s wall, {cpu:.1f} s CPU;"
        f" baseline peak RSS {base_rss / 1e6:.0f} MB, {base_wall:.1f} s wall, {base_cpu:.1f} s CPU"
    )


if __name__ == "__main__":
    main()

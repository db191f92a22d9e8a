"""Import speed and memory, as ratios against a plain sqlite3 executemany in the same run.

    .venv/bin/python benchmarks/import_bench.py              # 100,000 rows, 3 rounds
    .venv/bin/python benchmarks/import_bench.py --rows 20000 --rounds 1
    .venv/bin/python benchmarks/import_bench.py --million    # also peak RSS importing 1,000,000 rows
    .venv/bin/python benchmarks/import_bench.py --compare /tmp/main-checkout   # also that code, on a file it creates

Each round times, on fresh database files: the baseline (csv.reader + one executemany of
the same rows into a table, one transaction, WAL like crm), the schema floor (the rows an
import of the file leaves, as ready-made tuples written straight into crm's own tables and
search index, no import logic: what any import into this schema costs at least), `crm import contacts` as a
whole process (start-up, validation, matching and search indexing included) into an
empty database, the same import again (every row a duplicate), and `sqlite-utils insert
--csv` when it is installed (`pip install sqlite-utils` into the same venv). Every measure is
taken once per round, the rounds interleave them, and each figure is the median of the rounds.

CPU time (user + sys) is what the targets compare (issue 13): sqlite-utils commits every 100
rows, so its wall time depends on how fast the disk syncs while its CPU time does not. Wall time
is shown beside it. After the rounds, search-as-you-type is timed on the 100,000 contacts just
imported: the app's quick search on every 1-3 letter prefix listed in TYPED, and for 3 letters
the full search it runs beside it.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
HEADER = ["name", "email", "phone", "organization", "title", "tags", "notes", "every"]
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Dennis",
    "Frances",
    "Niklaus",
    "John",
    "Radia",
    "Tim",
    "Hedy",
    "Katherine",
    "Linus",
    "Guido",
    "Sophie",
    "Élodie",
    "Jürgen",
    "Søren",
    "Zoë",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Ritchie",
    "Allen",
    "Wirth",
    "McCarthy",
    "Perlman",
    "Berners-Lee",
    "Lamarr",
    "Johnson",
    "Torvalds",
    "van Rossum",
    "Wilson",
    "Müller",
    "Østergaard",
    "O'Brien",
]
WORDS = [
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod",
    "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua",
]  # fmt: skip


def generate(path: Path, rows: int, seed: int = 42) -> None:
    """A contacts CSV in the sample layout: about 150 bytes a row, every email distinct."""
    rnd = random.Random(seed)
    orgs = [f"{a} {b}" for a in ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Hooli")
            for b in ("Ltd", "Inc", "GmbH", "SA", "Labs", "Consulting", "Partners", "Studio")]  # fmt: skip
    titles = ["CEO", "CTO", "Engineer", "Designer", "Consultant", "Founder", "Manager", "Developer", ""]
    tags = ["client", "lead", "friend", "vip", "supplier", "press", "investor", "alumni"]
    everys = ["", "", "2w", "1m", "3m", "1w", "6m"]
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        for i in range(rows):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
            writer.writerow([
                f"{first} {last}", f"{local}.{i}@example{rnd.randint(1, 50)}.com",
                f"+44 20 {rnd.randint(1000, 9999)} {i:06d}", rnd.choice(orgs), rnd.choice(titles),
                ";".join(rnd.sample(tags, rnd.randint(0, 2))), " ".join(rnd.choices(WORDS, k=rnd.randint(4, 12))),
                rnd.choice(everys),
            ])  # fmt: skip
    tmp.replace(path)


def generate_interactions(path: Path, contacts: Path, rows: int, seed: int = 42) -> None:
    """Interactions for the first 1,000 contacts of `contacts` (long histories: about 100 each)."""
    rnd = random.Random(seed)
    with open(contacts, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        emails = [row[1] for _, row in zip(range(1000), reader, strict=False)]
    kinds = ["call", "email", "meeting", "message", "note"]
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["email", "occurred_at", "kind", "direction", "summary", "body"])
        for i in range(rows):
            writer.writerow([
                rnd.choice(emails), f"20{rnd.randint(15, 26)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
                f" {rnd.randint(8, 18):02d}:{rnd.randint(0, 59):02d}", rnd.choice(kinds), rnd.choice(["in", "out"]),
                f"{' '.join(rnd.choices(WORDS, k=4))} {i}", " ".join(rnd.choices(WORDS, k=rnd.randint(0, 20))),
            ])  # fmt: skip
    tmp.replace(path)


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def baseline(source: Path, db: Path) -> tuple[float, float]:
    """csv.reader + executemany of every row into one table, one transaction: (wall, CPU) seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    con = sqlite3.connect(fresh(db), isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    with open(source, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        con.execute(f"CREATE TABLE contacts ({', '.join(header)})")
        con.execute("BEGIN")
        con.executemany(f"INSERT INTO contacts VALUES ({', '.join('?' * len(header))})", reader)
        con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start, time.process_time() - cpu


NON_DIGITS = {c: None for c in range(128) if not chr(c).isdigit()}  # the file's phones are ASCII


def schema_floor(source: Path, template: Path, db: Path) -> tuple[float, float]:
    """The same rows as ready-made tuples, executemany'd straight into crm's own tables: (wall, CPU) seconds.

    What `crm import contacts` leaves in the database, written the cheapest way the schema allows
    and nothing else: contacts with their names, keys, organization, cadence, owner and batch;
    their emails, phones and tags; the organizations and tags they name; the batch record; the
    search rows by the schema's own statement (the triggers' work, set-based); the contact indexes
    an import may defer, dropped and built again as a large import does. One transaction. No
    mapping, validation or matching: the least any import of this file into this schema can cost.
    (Until 2026-12-01 it left out the organizations, tags, given and family names, cadences, owner
    and batch, and indexed a shorter document.)
    """
    from crm_tui.backend.sqlite_search import CONTACT_DOC, CONTACT_INDEXES
    from crm_tui.dates import parse_duration
    from crm_tui.keys import fast_name_key
    from crm_tui.services.imports.contacts import BATCH_ROWS

    fresh(db)
    shutil.copyfile(template, db)
    start, cpu = time.perf_counter(), time.process_time()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA cache_size = -32768")  # as an importing connection
    con.execute("BEGIN IMMEDIATE")
    triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        con.execute(f'DROP TRIGGER "{name}"')
    marks = ", ".join("?" * len(CONTACT_INDEXES))
    indexes = con.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
                          CONTACT_INDEXES).fetchall()  # fmt: skip
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    now = "2026-11-22 00:00:00.000000"
    batch = con.execute(
        "INSERT INTO import_batches (kind, source, created_by, created_at, rows, created, updated, unchanged, skipped)"
        " VALUES ('contacts', ?, 'bench', ?, 0, 0, 0, 0, 0)",
        (source.name, now),
    ).lastrowid
    contacts, emails, phones, tagged = [], [], [], []
    orgs: dict[str, int] = {}
    tags: dict[str, int] = {}
    keys: dict[str, str] = {}
    cadences: dict[str, int | None] = {"": None}
    with open(source, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for i, (name, email, phone, org, title, tag_list, notes, every) in enumerate(reader, 1):
            key = keys.get(name)
            if key is None:
                key = keys[name] = fast_name_key(name)
            org_id = orgs.setdefault(org, len(orgs) + 1) if org else None
            cadence = cadences.get(every, 0)
            if cadence == 0:
                cadence = cadences[every] = parse_duration(every).total_days()
            given, _, family = name.rpartition(" ")
            contacts.append((i, name, key, given, family, org_id, title or None, notes or None, "bench", cadence,
                             batch, now, now))  # fmt: skip
            emails.append((i, email, email.lower(), True))
            phones.append((i, phone, "+" + phone.translate(NON_DIGITS), True))
            if tag_list:
                tagged.extend((i, tags.setdefault(tag, len(tags) + 1)) for tag in tag_list.split(";"))
    con.executemany("INSERT INTO organizations (id, name, name_key, created_at) VALUES (?, ?, ?, ?)",
                    [(n, org, fast_name_key(org), now) for org, n in orgs.items()])  # fmt: skip
    con.executemany("INSERT INTO tags (id, name, name_key) VALUES (?, ?, ?)",
                    [(n, tag, fast_name_key(tag)) for tag, n in tags.items()])  # fmt: skip
    for sql, rows in (
        ("INSERT INTO contacts (id, display_name, sort_name, given_name, family_name, organization_id, title,"
         " notes, owner, cadence_days, import_batch_id, created_at, updated_at)"
         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", contacts),
        ("INSERT INTO contact_emails (contact_id, email, email_key, is_primary) VALUES (?, ?, ?, ?)", emails),
        ("INSERT INTO contact_phones (contact_id, phone, phone_key, is_primary) VALUES (?, ?, ?, ?)", phones),
        ("INSERT INTO contact_tags (contact_id, tag_id) VALUES (?, ?)", tagged),
    ):  # fmt: skip
        for first in range(0, len(rows), BATCH_ROWS):
            con.executemany(sql, rows[first : first + BATCH_ROWS])
            # The schema pages stay in the cache, so the changes below do not rewrite them in the WAL.
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    # As an import ends: the indexes, the triggers, then the search rows (BulkWriter.resume_triggers).
    for _, sql in indexes + triggers:
        con.execute(sql)
    con.execute(CONTACT_DOC.format(where="c.id >= ?"), (1,))
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start, time.process_time() - cpu


def crm_env(db: Path, code: Path | None = None) -> dict[str, str]:
    """The environment of a `crm` process: it runs the crm_tui of `code`, a checkout (--compare), else this one's.

    Run it from a directory without a crm_tui (`python -m` puts the working directory first on the
    path): until 2026-12-02 `--compare` run from a checkout timed that checkout's code twice.
    """
    env = {**os.environ, "CRM_DB": str(db), "CRM_USER": "bench", "TZ": "UTC", "NO_COLOR": "1"}
    env["PYTHONPATH"] = str(code if code is not None else ROOT)
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crm(db: Path, *args: str, code: Path | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of a whole `crm` process."""
    start, cpu = time.perf_counter(), _children_cpu()
    env = crm_env(db, code)
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", *args], env=env, cwd=db.parent, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"crm {' '.join(args)} failed: {done.stderr}")
    return elapsed, _children_cpu() - cpu


def empty_crm_db(db: Path, code: Path | None = None) -> Path:
    """A new crm database, created by the crm of `code` (see crm_env): the file as that code makes it
    (since 2026-12-02, with 8 KiB pages)."""
    fresh(db)
    crm(db, "db", "upgrade", code=code)
    return db


def sqlite_utils(source: Path, db: Path) -> tuple[float, float] | None:
    tool = shutil.which("sqlite-utils") or shutil.which("sqlite-utils", path=str(Path(sys.executable).parent))
    if tool is None:
        return None
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([tool, "insert", str(fresh(db)), "contacts", str(source), "--csv"], check=True, capture_output=True)
    return time.perf_counter() - start, _children_cpu() - cpu


def rss_million(work: Path, code: Path | None = None) -> int:
    """Peak RSS (KiB) of `crm import contacts` (of `code`, see crm_env) on 1,000,000 rows, in a child of its own."""
    source = DATA / "contacts-1000000.csv"
    if not source.exists():
        print("generating 1,000,000 rows...", flush=True)
        generate(source, 1_000_000)
    db = empty_crm_db(work / "million.db", code)
    child = (
        "import resource, subprocess, sys\n"
        "subprocess.run([sys.executable, '-m', 'crm_tui', 'import', 'contacts', sys.argv[1]], check=True,"
        " capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", child, str(source)], env=crm_env(db, code), cwd=work, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    print(f"1,000,000 rows imported in {time.perf_counter() - start:.1f}s")
    return int(done.stdout.strip())


# Prefixes a user types while looking for someone in the benchmark's file: names, a common
# email word, an accented name; for each the app runs a quick search per keystroke.
TYPED = ("a", "ad", "ada", "l", "lo", "lov", "z", "zo", "zoë", "m", "mü", "mül", "e", "ex", "exa", "1", "12", "123")
TYPEAHEAD_MS = 50.0


def typeahead(db: Path, repeat: int = 5) -> dict[tuple[str, str], float]:
    """Median milliseconds of `quick_search` per prefix (and `search_contacts` for three letters)."""
    from crm_tui.config import Settings
    from crm_tui.dates import utcnow
    from crm_tui.db import connection_scope, open_engine
    from crm_tui.services.search import quick_search, search_contacts

    engine = open_engine(Settings(db_url=f"sqlite:///{db}", user="bench"))
    now = utcnow()
    out: dict[tuple[str, str], float] = {}
    try:
        with connection_scope(engine, write=False) as conn:
            for text in TYPED:
                searches = [("quick", quick_search)] + ([("full", search_contacts)] if len(text) >= 3 else [])
                for label, search in searches:
                    spent = []
                    for _ in range(repeat):
                        start = time.perf_counter()
                        search(conn, text, now=now)  # type: ignore[operator]
                        spent.append(time.perf_counter() - start)
                    out[(label, text)] = statistics.median(spent) * 1000
    finally:
        engine.dispose()
    return out


def compile_code(code: Path) -> None:
    """Write the bytecode of the checkout `code`, whose crm_tui a `crm` process runs.

    An installed crm has its bytecode, as sqlite-utils has; a checkout run with PYTHONDONTWRITEBYTECODE
    set (as in some sandboxes) would compile every module it imports on every run (about 0.1 s of CPU).
    """
    import compileall

    compileall.compile_dir(code / "crm_tui", quiet=1)


def _median(values: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in values), statistics.median(c for _, c in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--million", action="store_true", help="also measure peak RSS on 1,000,000 rows")
    parser.add_argument(
        "--compare", type=Path, metavar="CHECKOUT", help="also time the import and re-import of another checkout's code"
    )
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    source = DATA / f"contacts-{args.rows}.csv"
    if not source.exists():
        generate(source, args.rows)
    timeline = DATA / f"interactions-{args.rows}.csv"
    if not timeline.exists():
        generate_interactions(timeline, source, args.rows)
    print(f"{source.name}: {args.rows:,} rows, {source.stat().st_size / 1e6:.1f} MB")
    print(f"{timeline.name}: {args.rows:,} rows for 1,000 contacts, {timeline.stat().st_size / 1e6:.1f} MB")
    work = DATA / "work"
    work.mkdir(exist_ok=True)
    times: dict[str, list[tuple[float, float]]] = {
        "executemany": [], "schema floor": [], "crm import": [], "crm re-import": [], "other import": [],
        "other re-import": [], "sqlite-utils": [], "interactions em": [], "interactions": [], "inter. again": [],
    }  # fmt: skip
    if args.compare is None:
        del times["other import"], times["other re-import"]
    sys.path.insert(0, str(ROOT))  # the floor and the search timing use this checkout's code too
    compile_code(ROOT)
    if args.compare is not None:
        compile_code(args.compare)
    template = empty_crm_db(work / "empty.db")
    for _ in range(args.rounds):
        times["executemany"].append(baseline(source, work / "baseline.db"))
        times["schema floor"].append(schema_floor(source, template, work / "floor.db"))
        db = empty_crm_db(work / "crm.db")
        times["crm import"].append(crm(db, "import", "contacts", str(source)))
        times["crm re-import"].append(crm(db, "import", "contacts", str(source)))
        if args.compare is not None:
            other_db = empty_crm_db(work / "compare.db", args.compare)
            times["other import"].append(crm(other_db, "import", "contacts", str(source), code=args.compare))
            times["other re-import"].append(crm(other_db, "import", "contacts", str(source), code=args.compare))
        other = sqlite_utils(source, work / "sqlite-utils.db")
        if other is not None:
            times["sqlite-utils"].append(other)
        times["interactions em"].append(baseline(timeline, work / "baseline-i.db"))
        times["interactions"].append(crm(db, "import", "interactions", str(timeline)))
        times["inter. again"].append(crm(db, "import", "interactions", str(timeline)))
    print(f"medians of {args.rounds} interleaved rounds; ratios against the executemany of the same file")
    if args.compare is not None:
        print(f"'other': the code of {args.compare}")
    print(f"{'measure':<16}{'wall':>8}{'ratio':>7}{'cpu':>8}{'ratio':>7}  cpu of each round")
    for name, values in times.items():
        if not values:
            print(f"{name:<16}not installed (pip install sqlite-utils)")
            continue
        # Interactions are compared with an executemany of their own file.
        timeline_measure = name in ("interactions em", "interactions", "inter. again")
        base = times["interactions em" if timeline_measure else "executemany"]
        base_wall, base_cpu = _median(base)
        wall, cpu = _median(values)
        rounds = " ".join(f"{c:.2f}" for _, c in values)
        print(f"{name:<16}{wall:>7.2f}s{wall / base_wall:>6.1f}x{cpu:>7.2f}s{cpu / base_cpu:>6.1f}x  {rounds}")
    # After the verdict, the ratio within each round: a slow spell of the host shows as one round's outlier.
    print("targets (issue 13), CPU time, wall time beside it; after |, the CPU ratio within each round:")
    checks = [("crm import / schema floor", "crm import", "schema floor", 1.5)]
    if times["sqlite-utils"]:
        checks.insert(0, ("crm import / sqlite-utils", "crm import", "sqlite-utils", 1.0))
        checks.append(("crm re-import / sqlite-utils", "crm re-import", "sqlite-utils", 0.5))
        if args.compare is not None:
            checks.append(("other import / sqlite-utils", "other import", "sqlite-utils", 1.0))
            checks.append(("other re-import / sqlite-utils", "other re-import", "sqlite-utils", 0.5))
    for label, measure, against, target in checks:
        (wall, cpu), (base_wall, base_cpu) = _median(times[measure]), _median(times[against])
        verdict = "met" if cpu / base_cpu <= target else "NOT met"
        each = " ".join(f"{c / b:.2f}" for (_, c), (_, b) in zip(times[measure], times[against], strict=True))
        print(f"  {label:<30}{cpu / base_cpu:>6.2f}x cpu (target <= {target}x: {verdict}){wall / base_wall:>8.2f}x wall"
              f"  | {each}")  # fmt: skip
    latencies = typeahead(work / "crm.db")
    worst = max(latencies.values())
    print(f"search as you type on {args.rows:,} contacts (median ms of 5; target {TYPEAHEAD_MS:.0f} ms):")
    for label in ("quick", "full"):
        cells = [f"{text} {ms:.0f}" for (kind, text), ms in latencies.items() if kind == label]
        print(f"  {label}: {', '.join(cells)}")
    over = [f"{kind} '{text}' {ms:.0f} ms" for (kind, text), ms in latencies.items() if ms > TYPEAHEAD_MS]
    print(f"  worst {worst:.0f} ms; over the target: {', '.join(over) if over else 'none'}")
    if args.million:
        peak = rss_million(work)
        print(f"peak RSS importing 1,000,000 rows: {peak / 1024:.0f} MB (target < 150 MB)")
        if args.compare is not None:
            print(f"  the code of {args.compare}: {rss_million(work, args.compare) / 1024:.0f} MB")


if __name__ == "__main__":
    main()

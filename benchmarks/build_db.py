"""Build the benchmark database: the real schema, then bulk rows through plain sqlite3.

    build_db.py [--contacts N] [--interactions N] [--reminders N] [--seed S] [--force] [PATH]

The schema comes from `crm_tui.db.open_engine`, so migrations, the FTS5 table and its
triggers are the real ones. Rows go in with `executemany` while the triggers are
dropped; the search index and `contacts.last_contact_at` are then filled set-based by
the triggers' own statements, and the triggers are recreated from the SQL the
migrations stored in sqlite_master.

Without PATH the file is cached in benchmarks/.data/, keyed by the sizes and seed.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from generate import COLUMNS, DataGenerator, Sizes, build_anchor
from vocabulary import COMMON_WORD, RARE_WORD

from crm_tui.config import Settings
from crm_tui.db import HEAD_REVISION, open_engine, session_scope
from crm_tui.services.contacts.finding import get_contact
from crm_tui.services.search import search_contacts

DATA_DIR = Path(__file__).resolve().parent / ".data"
GENERATOR_VERSION = 1  # bump when generate.py changes what it writes, to drop old caches
MAX_AGE = timedelta(days=7)  # open reminders drift into "due" as days pass: rebuild weekly
FULL = Sizes(contacts=100_000, interactions=1_000_000, reminders=50_000, seed=42)
QUICK = Sizes(contacts=10_000, interactions=100_000, reminders=5_000, seed=42)


def set_based_fill() -> list[str]:
    """What the insert triggers write, for every row at once: the statements the bulk writer uses.

    The backend defines them next to the triggers (crm_tui/backend/sqlite_search.py), and a
    test checks those definitions against what the migrations created.
    """
    from crm_tui.backend.sqlite_search import BULK

    _, (interaction_doc, *per_contact) = BULK.after_insert["interactions"]
    # Every live contact, then every interaction (ids from 0), then what each contact keeps of
    # them (its last contact, its rhythm marked for computing).
    return [BULK.contact_doc.format(where="1 = 1"), interaction_doc.replace("?", "0")] + [
        sql.replace("?", "0") for sql in per_contact
    ]


def cache_path(sizes: Sizes) -> Path:
    """The cached database for these sizes, under benchmarks/.data/."""
    key = f"{_cache_prefix()}-c{sizes.contacts}-i{sizes.interactions}-m{sizes.reminders}-s{sizes.seed}"
    return DATA_DIR / f"{key}.db"


def _cache_prefix() -> str:
    return f"crm-v{GENERATOR_VERSION}-r{HEAD_REVISION}"


def drop_stale_caches() -> None:
    """Remove cached databases of another generator version or schema revision (hundreds of MB each)."""
    if not DATA_DIR.is_dir():
        return
    for old in DATA_DIR.glob("crm-v*-r*-c*-i*-m*-s*"):  # only what cache_path() names
        if not old.name.startswith(_cache_prefix() + "-"):
            log(f"removing stale cache {old.name}")
            old.unlink()


def meta_path(db: Path) -> Path:
    """The JSON beside a built database: sizes, anchor, counts, words to search for."""
    return db.with_name(db.name + ".json")


def read_meta(db: Path) -> dict[str, Any] | None:
    """The build's metadata, or None when the file or its metadata is missing."""
    meta = meta_path(db)
    if not db.is_file() or not meta.is_file():
        return None
    data: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
    return data


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _insert(conn: sqlite3.Connection, table: str, rows: list[tuple[Any, ...]]) -> None:
    columns = COLUMNS[table]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    conn.executemany(sql, rows)


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


class Phases:
    """Times each step of the build and logs it."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self.last, 2)
        log(f"  {name:<22} {now - self.last:7.2f} s")
        self.last = now

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.start, 2)


def load_rows(conn: sqlite3.Connection, gen: DataGenerator, fill: list[str], phases: Phases) -> None:
    """Every table's rows, in one transaction, with no trigger firing."""
    conn.execute("BEGIN")
    _insert(conn, "organizations", gen.organizations())
    _insert(conn, "tags", gen.tags())
    phases.done("organizations, tags")
    for chunk in gen.contacts():
        _insert(conn, "contacts", chunk.contacts)
        _insert(conn, "contact_emails", chunk.contact_emails)
        _insert(conn, "contact_phones", chunk.contact_phones)
        _insert(conn, "contact_tags", chunk.contact_tags)
    phases.done("contacts")
    for rows in gen.interactions():
        _insert(conn, "interactions", rows)
    phases.done("interactions")
    for rows in gen.reminders():
        _insert(conn, "reminders", rows)
    phases.done("reminders")
    contact_docs, interaction_docs, *per_contact = fill
    conn.execute(contact_docs)
    conn.execute(interaction_docs)
    phases.done("search index")
    for sql in per_contact:
        conn.execute(sql)
    phases.done("last_contact_at, rhythm marks")
    conn.execute("COMMIT")


def load(part: Path, gen: DataGenerator, phases: Phases) -> dict[str, int]:
    """Create the schema in `part`, load every row and check the file; returns the row counts."""
    engine = open_engine(Settings(db_url=f"sqlite:///{part.absolute()}", user="bench"))
    engine.dispose()
    phases.done("schema (migrations)")
    conn = sqlite3.connect(part, isolation_level=None)
    try:
        # A failed build is thrown away, so the load needs no journal and no fsync.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("PRAGMA temp_store = MEMORY")
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()
        fill = set_based_fill()
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        load_rows(conn, gen, fill, phases)
        for _name, sql in triggers:
            conn.execute(sql)
        phases.done(f"{len(triggers)} triggers back")
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key check failed: {problems[:5]}")
        quick = conn.execute("PRAGMA quick_check").fetchone()[0]
        if quick != "ok":
            raise RuntimeError(f"quick_check: {quick}")
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in (*COLUMNS, "search_index")
        }
        phases.done("checks")
        conn.execute("PRAGMA journal_mode = WAL")  # what the app would leave
        return counts
    finally:
        conn.close()


def build(sizes: Sizes, path: Path) -> dict[str, Any]:
    """Write a new database at `path` (through a .part file) and its metadata; returns the metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    _remove_database(part)
    log(f"building {path} ({sizes.contacts:,} contacts, {sizes.interactions:,} interactions, "
        f"{sizes.reminders:,} reminders, seed {sizes.seed})")  # fmt: skip
    phases = Phases()
    gen = DataGenerator(sizes, build_anchor())
    try:
        counts = load(part, gen, phases)
        meta: dict[str, Any] = {
            "sizes": asdict(sizes),
            "anchor": gen.anchor.isoformat(),
            "generator_version": GENERATOR_VERSION,
            "revision": HEAD_REVISION,
            "counts": counts,
            "common_word": COMMON_WORD,
            "rare_word": RARE_WORD,
            "rare_contact_ids": sorted(set(gen.rare_contact_ids)),
            "rare_note_contact": gen.rare_note_contact,
            "phases": phases.seconds,
        }
        spot_check(part, meta)
        phases.done("spot check")
    except BaseException:
        _remove_database(part)  # hundreds of MB of a half-built file
        raise
    os.replace(part, path)
    meta["build_seconds"] = phases.total
    meta_path(path).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"built in {meta['build_seconds']:.1f} s: {path.stat().st_size / 1e6:,.0f} MB")
    return meta


def spot_check(path: Path, meta: dict[str, Any]) -> None:
    """Search through the service: a contact's name and the rare interaction word must find them."""
    engine = open_engine(Settings(db_url=f"sqlite:///{path.absolute()}", user="bench"))
    try:
        with session_scope(engine, write=False) as session:
            first = get_contact(session, 1)
            meta["known_contact"] = {"id": 1, "name": first.display_name}
            found = [
                hit.row.id
                for hit in search_contacts(session.connection(), first.display_name, limit=50, now=datetime.now(UTC))
            ]
            if 1 not in found:
                raise RuntimeError(f"search for {first.display_name!r} does not find contact #1")
            found = [
                hit.row.id for hit in search_contacts(session.connection(), RARE_WORD, limit=50, now=datetime.now(UTC))
            ]
            expected = {meta["rare_note_contact"], *meta["rare_contact_ids"]}
            live = {cid for cid in expected if get_contact(session, cid, deleted=None).deleted_at is None}
            if not live <= set(found):
                raise RuntimeError(f"search for {RARE_WORD!r} finds {found}, expected {sorted(live)}")
            if not search_contacts(session.connection(), COMMON_WORD, limit=5, now=datetime.now(UTC)):
                raise RuntimeError(f"search for {COMMON_WORD!r} finds nothing")
    finally:
        engine.dispose()


def ensure_db(sizes: Sizes, path: Path | None = None, *, force: bool = False) -> tuple[Path, dict[str, Any]]:
    """The database for `sizes`: the cached one when fresh, else a new build."""
    cached = path is None
    target = cache_path(sizes) if path is None else path
    meta = read_meta(target)
    if meta is not None and not force:
        age = datetime.now(UTC) - datetime.fromisoformat(meta["anchor"])
        if not cached or age < MAX_AGE:
            log(f"reusing {target} (built {meta['anchor']}, in {meta['build_seconds']:.1f} s)")
            return target, {**meta, "reused": True}
    if not cached and target.exists() and not force:
        raise SystemExit(f"build_db: {target} exists (use --force to replace it)")
    if cached:
        drop_stale_caches()
    _remove_database(target)
    meta_path(target).unlink(missing_ok=True)
    return target, build(sizes, target)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("path", nargs="?", type=Path, help="where to write it (default: a cache in benchmarks/.data/)")
    parser.add_argument("--contacts", type=positive, default=FULL.contacts)
    parser.add_argument("--interactions", type=positive, default=FULL.interactions)
    parser.add_argument("--reminders", type=positive, default=FULL.reminders)
    parser.add_argument("--seed", type=int, default=FULL.seed)
    parser.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    args = parser.parse_args(argv)
    sizes = Sizes(args.contacts, args.interactions, args.reminders, args.seed)
    path, meta = ensure_db(sizes, args.path, force=args.force)
    print(path)
    how = "reused; its build took" if meta.get("reused") else "build took"
    print(f"{how} {meta['build_seconds']:.2f} s; " + ", ".join(f"{k} {v:,}" for k, v in meta["counts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A SQLite database as a file: checked before it is opened, backed up, read ahead into the OS's cache.

One rule holds for all of it. POSIX record locks (SQLite's `fcntl` locks) belong to a process
and a file, not to a descriptor: closing *any* descriptor of the database file drops every lock
the process holds on it, SQLite's own included. A connection in WAL mode holds a shared lock on
the file for as long as it is open; without it, another process that closes its connection
believes itself the last one, checkpoints, and deletes the -wal and -shm files under the open
connection, whose next writes then go to a deleted log (lost) or fail with "disk I/O error".
So this module never opens and closes the database file of a process that may have it open in
SQLite: `check_file` uses stat() alone, and `read_ahead_file` keeps its descriptor open for good.
"""

from __future__ import annotations

import os
from pathlib import Path

# read_ahead_file: the file is asked for in steps of this size, up to a size that fits a cache.
READ_AHEAD_STEP = 4 << 20
READ_AHEAD_MAX = 2 << 30
# The descriptor of each database file read ahead, open until the process ends (module docstring).
_KEPT: dict[Path, int] = {}


def read_ahead_file(path: Path) -> None:
    """Ask the OS to bring a database file and its write-ahead log into its cache.

    The kernel drops the pages of a file left idle a while: the first keys typed in the
    morning read the search index (most of a large file) from disk, 0.5 s for one key on
    100,000 contacts. Read it ahead in steps, each asked for at once (WILLNEED: no copy into
    the process) and waited for (a read of its last page) before the next: a key's own reads
    then queue behind one step, not behind the whole file.
    """
    advise = getattr(os, "posix_fadvise", None)  # POSIX only: elsewhere the OS reads as searched
    if advise is None:
        return
    for name in (path, path.with_name(path.name + "-wal")):
        try:
            fd = _kept_descriptor(name) if name == path else os.open(name, os.O_RDONLY)
        except OSError:
            continue  # no write-ahead log, or gone: nothing to read
        try:
            size = min(os.fstat(fd).st_size, READ_AHEAD_MAX)
            for offset in range(0, size, READ_AHEAD_STEP):
                step = min(READ_AHEAD_STEP, size - offset)
                advise(fd, offset, step, os.POSIX_FADV_WILLNEED)
                os.pread(fd, 1, offset + step - 1)
        except OSError:
            pass  # advice only: a file system that refuses it is read as searched
        finally:
            if name != path:
                os.close(fd)  # SQLite locks the database and its -shm file, never the log


def _kept_descriptor(path: Path) -> int:
    """A read-only descriptor of the database file at `path`, opened once and never closed.

    A file put in its place since (another inode) gets a descriptor of its own; the old one stays
    open too, as a connection of this process may still have the old file open.
    """
    fd = _KEPT.get(path)
    if fd is not None:
        held, there = os.fstat(fd), os.stat(path)
        if (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino):
            return fd
    fd = _KEPT[path] = os.open(path, os.O_RDONLY)
    return fd


def check_file(path: Path) -> None:
    """DatabaseUnreadable unless `path` is missing or a regular file outside /proc and /sys.

    Only stat() is used: opening and closing the file would drop every POSIX lock this process
    holds on it (a long-lived process may have SQLite connections open on it), and SQLite
    itself says when a regular file is not a database.
    """
    import stat

    from crm_tui.errors import DatabaseUnreadable

    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseUnreadable(f"{path}: cannot open the database: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DatabaseUnreadable(f"{path}: is a directory, not a database file")
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseUnreadable(f"{path}: is not a regular file (a device or a pipe), so not a database")
    if str(path.resolve()).startswith(("/proc/", "/sys/")):
        # The kernel's files look regular but cannot be locked, read as a database or written.
        raise DatabaseUnreadable(f"{path}: is a file of the kernel's, not a database")


def backup_file(source: Path, tmp: Path, target: Path, *, timeout_s: float) -> int:
    """Copy the live database `source` into the new file `tmp` (online backup API); returns pages."""
    import sqlite3

    from crm_tui.errors import CrmError, DatabaseLocked, DatabaseUnreadable, InvalidInput

    src = sqlite3.connect(str(source), timeout=timeout_s)
    try:
        dst = sqlite3.connect(str(tmp))
    except sqlite3.Error as exc:
        src.close()
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"{target}: cannot write it: {exc}") from None
    try:
        src.backup(dst)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
        dst.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
    except sqlite3.Error as exc:
        dst.close()
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        message = str(exc)
        if "locked" in message or "busy" in message:
            raise DatabaseLocked(str(source)) from exc
        if "full" in message or "disk I/O" in message or "readonly" in message:
            # The source is only read: a full or failing disk is the copy's.
            raise CrmError(f"{target}: cannot write the copy: {message}; nothing was written") from None
        raise DatabaseUnreadable(f"{source}: {message}") from exc
    finally:
        src.close()
    dst.close()
    return int(pages)

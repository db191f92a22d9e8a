"""The one way crm writes a file: a new temporary name beside the target, then a rename.

Every file crm creates (an export, a vCard directory's cards, an import's rejects, a
backup) is written to `.NAME.XXXXXXXX.part` in the target's directory, opened with
O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, flushed and fsynced, and renamed over the target
only when everything was written. The target must be a new name or a regular file: a
symbolic link, a directory, a device, a fifo or a socket is refused, so nothing is ever
written through a planted link, and nothing that exists is ever chmodded. A failure (a
full disk, an error while writing) removes the temporary file: the target is untouched.
Directories crm creates for a target are 0700, whatever the umask.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crm_tui.errors import CrmError, InvalidInput, NotFound

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _shown(path: Path) -> str:
    return str(path)


def write_failed(path: Path, exc: OSError) -> CrmError:
    """The one-line error for a write to `path` that failed."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return CrmError(f"{_shown(path)}: no space left on the device; nothing was written")
    return InvalidInput(f"{_shown(path)}: cannot write it: {exc.strerror or exc}")


def check_target(path: Path, *, option: str = "") -> None:
    """InvalidInput unless `path` is a new name or a regular file in an existing directory."""
    where = f" ({option})" if option else ""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InvalidInput(f"{_shown(path)}: cannot write it: {exc.strerror}{where}") from None
    if info is not None:
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            raise InvalidInput(f"{_shown(path)}: is a symbolic link; crm never writes through one{where}")
        if stat.S_ISDIR(mode):
            raise InvalidInput(f"{_shown(path)}: is a directory{where}")
        if not stat.S_ISREG(mode):
            raise InvalidInput(
                f"{_shown(path)}: is not a regular file (a device, fifo or socket); crm writes only files"
                f" (-o - is standard output){where}"
            )
    parent = path.parent
    if not parent.is_dir():
        raise NotFound(f"{_shown(parent)}: no such directory{where}")


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and any missing parents, each 0700 whatever the umask; existing ones are left alone."""
    missing: list[Path] = []
    current = directory
    while not os.path.lexists(current):
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for new in reversed(missing):
        try:
            os.mkdir(new, 0o700)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to change
        except OSError as exc:
            raise InvalidInput(f"{_shown(new)}: cannot create the directory: {exc.strerror}") from None
        # mkdir's mode passes through the umask; the directory is ours, new, and not a link.
        fd = os.open(new, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    if not directory.is_dir():
        raise InvalidInput(f"{_shown(directory)}: is not a directory")


class PendingFile:
    """A file being written under a temporary name, renamed over its target by `commit`.

    `discard` (or an error in `commit`) removes the temporary file and leaves the target as it was.
    """

    def __init__(self, target: Path, *, text: bool = True, option: str = "") -> None:
        self.target = target
        self.option = option
        check_target(target, option=option)
        stem = target.name[:180]
        while True:
            self.temp = target.with_name(f".{stem}.{secrets.token_hex(4)}.part")
            try:
                fd = os.open(self.temp, _FLAGS, 0o600)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                raise write_failed(target, exc) from None
        self.file: IO[Any] = (
            open(fd, "w", encoding="utf-8", newline="", errors="replace") if text else open(fd, "wb")  # noqa: SIM115
        )
        self.closed = False

    def finish(self) -> None:
        """Flush, fsync and close the temporary file, not yet renamed (a directory's cards wait for the last)."""
        if self.closed:
            return
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            self.closed = True
        except OSError as exc:
            self.discard()
            raise write_failed(self.target, exc) from None

    def commit(self) -> None:
        """`finish`, then rename the file over the target (refused if the target became something else)."""
        self.finish()
        try:
            check_target(self.target, option=self.option)
            os.replace(self.temp, self.target)
        except OSError as exc:
            self.discard()
            raise write_failed(self.target, exc) from None
        except CrmError:
            self.discard()
            raise

    def discard(self) -> None:
        """Remove the temporary file; the target is left as it was."""
        if not self.closed:
            self.closed = True
            try:
                self.file.close()
            except OSError:
                pass  # the disk that failed the write may fail the close too
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass


@contextmanager
def safe_write(target: Path, *, text: bool = True, option: str = "") -> Iterator[IO[Any]]:
    """A file open on a temporary name beside `target`, renamed over it when the block ends without error."""
    pending = PendingFile(target, text=text, option=option)
    try:
        yield pending.file
    except OSError as exc:
        pending.discard()
        raise write_failed(target, exc) from None
    except BaseException:
        pending.discard()
        raise
    pending.commit()


def temp_beside(target: Path, *, option: str = "") -> tuple[Path, Path]:
    """(temporary path, target) for a writer that needs a path rather than a stream (SQLite's backup).

    The temporary file exists, empty, 0600; `finish_temp` renames it over the target.
    """
    pending = PendingFile(target, text=False, option=option)
    pending.file.close()
    return pending.temp, target


def finish_temp(temp: Path, target: Path, *, option: str = "") -> None:
    """fsync `temp` and rename it over `target`; the temporary file is removed on any failure."""
    try:
        fd = os.open(temp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        check_target(target, option=option)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise write_failed(target, exc) from None
    except CrmError:
        temp.unlink(missing_ok=True)
        raise

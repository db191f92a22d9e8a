"""Where the database lives, who the current user is, which time zone to show.

The one seam for tests: build a `Settings` directly instead of reading the
environment. Nothing here touches the disk.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

APP_NAME = "crm-tui"
# The screen the app opens on (`crm --open SCREEN`): "auto" is Today when something is due, else Contacts.
StartScreen = Literal["auto", "today", "contacts", "trash", "pipeline", "dashboard"]
OPEN_SCREENS: tuple[str, ...] = tuple(name for name in get_args(StartScreen) if name != "auto")
DEFAULT_BUSY_TIMEOUT_MS = 60_000  # a 100k-row import holds the write lock for several seconds


@dataclass(frozen=True)
class Settings:
    """Resolved configuration for one run of the CLI or the app."""

    db_url: str
    user: str
    tz_name: str | None = None
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS

    @property
    def db_path(self) -> Path | None:
        """The SQLite file behind `db_url`, or None for another backend or memory."""
        return sqlite_path(self.db_url)

    @property
    def db_label(self) -> str:
        """A short name of the database for messages (the path, or the URL without password)."""
        path = self.db_path
        if path is not None:
            return str(path)
        return redact_url(self.db_url)


def default_db_path() -> Path:
    """`crm.db` in the platform's user data directory."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "crm.db"


def db_url_from(value: str | None) -> str:
    """A SQLAlchemy URL from `--db`/`CRM_DB`: a URL is kept, a path becomes sqlite:///."""
    if not value:
        return "sqlite:///" + str(default_db_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite URL, or None for memory or another backend."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1]
    if not rest.startswith("/"):
        return None
    path = rest[1:].split("?", 1)[0]
    if path in ("", ":memory:"):
        return None
    return Path(path)


def _credentials(url: str) -> tuple[str, str, str, str] | None:
    """(scheme, user, password, rest) of `scheme://user:password@rest`, or None without a password."""
    if "://" not in url:
        return None
    scheme, rest = url.split("://", 1)
    if "@" not in rest:
        return None
    creds, host = rest.rsplit("@", 1)
    if ":" not in creds:
        return None
    user, password = creds.split(":", 1)
    return scheme, user, password, host


def url_password(url: str) -> str | None:
    """The password in a database URL (as typed, and URL-decoded), or None."""
    found = _credentials(url)
    if found is None or not found[2]:
        return None
    return found[2]


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***."""
    found = _credentials(url)
    if found is None:
        return url
    scheme, user, _, host = found
    return f"{scheme}://{user}:***@{host}"


def current_user(value: str | None = None) -> str:
    """`--user`, else CRM_USER, else the login name (cleaned by the input rule)."""
    from crm_tui.keys import clean_text

    if value and clean_text(value).strip():
        return " ".join(clean_text(value).split())
    env = os.environ.get("CRM_USER")
    if env and clean_text(env).strip():
        return " ".join(clean_text(env).split())
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "me"


def resolve_settings(db: str | None = None, user: str | None = None, tz: str | None = None) -> Settings:
    """Settings from the global options, falling back to the environment."""
    timeout = os.environ.get("CRM_BUSY_TIMEOUT_MS")
    return Settings(
        db_url=db_url_from(db or os.environ.get("CRM_DB")),
        user=current_user(user),
        tz_name=tz or None,
        busy_timeout_ms=int(timeout) if timeout and timeout.isdigit() else DEFAULT_BUSY_TIMEOUT_MS,
    )


def start_screen(name: str | None) -> StartScreen | None:
    """The screen `name` (any case, blank: "auto") names, None if it names none."""
    start = (name or "").strip().lower() or "auto"
    return cast(StartScreen, start) if start in get_args(StartScreen) else None

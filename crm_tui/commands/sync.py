"""`crm sync vdir DIR`: a khard/vdirsyncer address book kept in step with crm, both ways."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import typer

from crm_tui.commands.runtime import runtime

sync_app = typer.Typer(
    help="Keep a vdir (one .vcf per contact: khard, vdirsyncer) in step with crm.", no_args_is_help=True
)


@sync_app.callback()
def _group() -> None:
    """Keep a vdir (one .vcf per contact: khard, vdirsyncer) in step with crm."""


@sync_app.command("vdir")
def vdir(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="The vdir: one .vcf per contact (created if missing)."),
) -> None:
    """Sync a vdir both ways: edits, new cards and deletions on either side; a second run changes nothing.

    Changed on both sides since the last sync: the newer wins, and the other version stays in the
    contact's history (`crm contact history`). A file that already says what crm would write is
    left as it is. Pair it with vdirsyncer for Google, iCloud or Nextcloud.

    Example: crm sync vdir ~/.contacts/work/
    """
    from crm_tui.errors import InvalidInput
    from crm_tui.io.vcard import VcardReader, vcf_files
    from crm_tui.io.vcard_lines import same_content
    from crm_tui.io.vcard_out import contact_vcard, file_name
    from crm_tui.io.vcard_shadow import VERSION_4
    from crm_tui.records import ContactRecord
    from crm_tui.services.exporting import exported_contacts
    from crm_tui.services.person.syncing import VdirFile, plan_sync, remember

    rt = runtime(ctx)
    target = directory.expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise InvalidInput(f"{directory}: not a directory")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    files: list[VdirFile] = []
    problems: dict[str, list[str]] = {}  # what each file's card lost, or that it cannot be read
    for path in vcf_files(target):
        data = path.read_bytes()
        with open(path, "rb") as stream:
            reader = VcardReader(
                [(path.name, stream)], tz=rt.tz, skip_invalid=True,
                on_problem=lambda p: problems.setdefault(p.source, []).extend(p.messages()),
            )  # fmt: skip
            records = [r for r in reader if isinstance(r, ContactRecord)]
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        text = data.decode("utf-8", errors="replace")
        files.append(VdirFile(path.name, _digest(data), modified, records[0] if records else None, text))
    key = str(target)
    with rt.session() as session:
        plan = plan_sync(session, key, files, actor=rt.user)
        contacts = {ex.id: ex for ex in exported_contacts(session, set(plan.write.values()))}
        on_disk = {f.name: f for f in files}
        synced: dict[str, tuple[int, str]] = dict(plan.kept)
        for name, cid in plan.write.items():
            found = contacts.get(cid)
            if found is None:
                continue
            if name.startswith("\0"):
                name = file_name(found)
            held = on_disk.get(name)
            if held is not None and held.record is not None and VERSION_4 in held.record.card_lines:
                # A 4.0 file stays 4.0, even for a contact imported before crm remembered a card's version.
                found.card_lines = list(dict.fromkeys([VERSION_4, *found.card_lines]))
            text = contact_vcard(found, rt.tz)
            if held is not None and held.record is not None and same_content(held.text, text):
                plan.same += 1  # the file says what crm would write: left as the user's tools wrote it
                synced[name] = (cid, held.hash)
                continue
            data = text.encode("utf-8")
            _write_atomic(target / name, data)
            synced[name] = (cid, _digest(data))
        for name in plan.delete:
            (target / name).unlink(missing_ok=True)
        remember(session, key, synced, plan.delete)
    # Named when the file is read into crm (new or changed) or cannot be read at all, not on every run.
    lost = [m for f in files if f.record is None or f.name not in plan.kept for m in problems.get(f.name, [])]
    for message in lost[:_SHOWN]:
        typer.echo(f"crm: {message}", err=True)
    if len(lost) > _SHOWN:
        typer.echo(
            f"crm: {len(lost) - _SHOWN:,} more left out (crm import vcard FILE --rejects R.vcf lists them)", err=True
        )
    for line in plan.left_out:
        typer.echo(f"crm: {line}", err=True)
    for line in plan.conflicts:
        typer.echo(f"crm: conflict: {line}", err=True)
    rt.note(f"sync {target}: {plan.line()}")


_SHOWN = 20  # problem lines shown, as `crm import vcard` shows them


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a reader never sees half a card), mode 0600."""
    temp = path.with_name(f".{path.name}.crm-tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)

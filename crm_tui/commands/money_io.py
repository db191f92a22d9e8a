"""`crm import deals|payments` and `crm export deals|payments`, registered on the import and export groups.

`commands/io.py` and `commands/io_export.py` call `register_imports` and `register_exports`,
so each group gains these commands when it is built, and nothing here loads before.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from crm_tui.commands.runtime import runtime
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from crm_tui.io.money_in import Kind

IMPORT_HELP = {
    "deals": "Import deals from a CSV, JSON or NDJSON file (columns: title, amount, currency, email, organization, "
    "stage, status, expected_close, probability, ...).",
    "payments": "Import payments from a CSV, JSON or NDJSON file (columns: paid_on, amount, currency, email or "
    "organization, reference, note), or Stripe's payments export (--preset stripe, found by its header).",
}


def _import(
    ctx: typer.Context,
    kind: Kind,
    file: str,
    *,
    dry_run: bool,
    skip_invalid: bool,
    rejects: Path | None,
    encoding: str | None,
    delimiter: str | None,
    preset: str,
) -> None:
    from crm_tui.commands.io import _rejects, open_input, print_outcome, report
    from crm_tui.dates import in_zone
    from crm_tui.io.jsonread import sniff_format
    from crm_tui.io.money_in import PRESETS, MoneyCsvReader, MoneyJsonReader
    from crm_tui.services.config import default_currency
    from crm_tui.services.money.imports import import_deals, import_payments

    rt = runtime(ctx)
    if rejects is not None and not skip_invalid:
        raise InvalidInput("--rejects needs --skip-invalid")
    if preset not in PRESETS or (kind == "deals" and preset == "stripe"):
        allowed = PRESETS if kind == "payments" else ("auto", "generic")
        raise InvalidInput(f"unknown preset '{preset}' (use {', '.join(allowed)}) (--preset)")
    with rt.connection() as conn:
        currency = default_currency(conn)
    today = in_zone(rt.now(), rt.tz).date()  # a payment dated after it is refused (not yet received)
    with open_input(file) as (raw, name, size):
        fmt, stream = sniff_format(raw, encoding=encoding, name=name)
        reader: MoneyCsvReader | MoneyJsonReader
        if fmt == "csv":
            reader = MoneyCsvReader(
                stream,
                kind=kind,
                name=name,
                tz=rt.tz,
                default_currency=currency,
                preset=preset,
                encoding=encoding,
                delimiter=delimiter,
                size=size,
                skip_invalid=skip_invalid,
                today=today,
            )
            used = reader.preset
        elif delimiter is not None:
            raise InvalidInput(f"{name} is JSON: --delimiter is for CSV files")
        else:
            reader = MoneyJsonReader(
                stream,
                kind=kind,
                name=name,
                tz=rt.tz,
                default_currency=currency,
                encoding=encoding,
                size=size,
                skip_invalid=skip_invalid,
                today=today,
            )
            used = "generic"
        if used != "generic":
            rt.note(f"reading {name} as {used}'s export")
        run = import_deals if kind == "deals" else import_payments
        options = {"skip_invalid": skip_invalid, "preset": used}
        with _rejects(rejects, reader.header) as on_reject, rt.connection(write=True) as conn:
            summary = run(
                conn,
                cast(Any, reader),
                source=name,
                actor=rt.user,
                options=options,
                on_outcome=print_outcome if dry_run else None,
                on_reject=on_reject,
                skip_invalid=skip_invalid,
            )
            if dry_run:
                conn.rollback()
    report(rt, summary, dry_run=dry_run)


def register_imports(import_app: typer.Typer) -> None:
    """Add `crm import deals` and `crm import payments` to the import group."""

    def make(kind: Kind) -> Any:
        def command(
            ctx: typer.Context,
            file: str = typer.Argument(..., metavar="FILE|-", help="A CSV, JSON or NDJSON file, or - for stdin."),
            dry_run: bool = typer.Option(False, "--dry-run", help="Show what each row would do; write nothing."),
            skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, skip the bad."),
            rejects: Path | None = typer.Option(
                None, "--rejects", help="With --skip-invalid: write skipped rows here."
            ),
            preset: str = typer.Option("auto", "--preset", help="auto, generic, or stripe (payments)."),
            encoding: str | None = typer.Option(None, "--encoding", help="Force an encoding: utf-8, cp1252..."),
            delimiter: str | None = typer.Option(None, "--delimiter", help="Force a delimiter: , ; or tab."),
        ) -> None:
            _import(
                ctx,
                kind,
                file,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                rejects=rejects,
                encoding=encoding,
                delimiter=delimiter,
                preset=preset,
            )

        example = "crm import deals pipeline.csv --dry-run" if kind == "deals" else "crm import payments stripe.csv"
        command.__doc__ = (
            f"{IMPORT_HELP[kind]}\n\nOne transaction: every row or none (unless --skip-invalid). A row already "
            f"imported is left alone; `crm import revert BATCH` takes the import back.\n\nExample: {example}"
        )
        return command

    import_app.command("deals")(make("deals"))
    import_app.command("payments")(make("payments"))


def _export(ctx: typer.Context, kind: str, fmt: str, output: str | None) -> None:
    from crm_tui.commands.io_export import check_choice, open_output
    from crm_tui.io.jsonout import write_json
    from crm_tui.io.money_out import deal_object, payment_object, write_csv
    from crm_tui.services.money.exports import iter_deals, iter_payments

    rt = runtime(ctx)
    check_choice(fmt, ("csv", "json", "ndjson"), "--format")
    with rt.connection() as conn, open_output(output) as (out, name):
        records: Any = iter_deals(conn) if kind == "deals" else iter_payments(conn)
        if fmt == "csv":
            count = write_csv(out, kind, records, rt.tz)
        else:
            make = deal_object if kind == "deals" else payment_object
            count = write_json(out, (make(r, rt.tz) for r in records), lines=fmt == "ndjson")
    if name:
        rt.note(f"Exported {count:,} {kind if count != 1 else kind.removesuffix('s')} to {name}")


def register_exports(export_app: typer.Typer) -> None:
    """Add `crm export deals` and `crm export payments` to the export group."""

    def make(kind: str) -> Any:
        def command(
            ctx: typer.Context,
            fmt: str = typer.Option("csv", "--format", "-f", help="csv (default), json or ndjson."),
            output: str | None = typer.Option(None, "--output", "-o", help="FILE; - or none: stdout."),
        ) -> None:
            _export(ctx, kind, fmt, output)

        command.__doc__ = (
            f"Export every {kind.removesuffix('s')}: amounts as decimal strings beside their currency; the CSV "
            f"reads back with `crm import {kind}`.\n\nExample: crm export {kind} --format json -o {kind}.json"
        )
        return command

    export_app.command("deals")(make("deals"))
    export_app.command("payments")(make("payments"))

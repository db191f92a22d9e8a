"""`crm sync vdir DIR`: a khard/vdirsyncer address book kept in step with crm, both ways."""

from __future__ import annotations

import typer

sync_app = typer.Typer(help="Keep a vdir (one .vcf per contact: khard, vdirsyncer) in step with crm.", no_args_is_help=True)

"""Deals and payments from CSV, a JSON array or NDJSON: rows as `DealRecord`s and `PaymentRecord`s.

Headers (or keys) are matched loosely with synonyms; what `crm export deals|payments` writes
reads back. One preset: `stripe`, Stripe's payments export (`unified_payments.csv`), found
by its header: `id` is the reference, `Created date (UTC)` the day, `Amount` less `Amount
Refunded` the amount, `Customer Email` the contact (else `Customer Description` the
organization); failed or uncaptured charges are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, tzinfo
from typing import Any, BinaryIO, Literal

from crm_tui.errors import InvalidInput
from crm_tui.io.csvread import open_csv
from crm_tui.io.fields import parse_email, parse_instant, shorten, unneutralize
from crm_tui.io.jsonread import JsonReader, as_cell, given, kind_of, text_of
from crm_tui.io.presets import normalize
from crm_tui.money import INTERVALS, check_currency, not_yet_received, parse_money, parse_recurring
from crm_tui.records import DealRecord, PaymentRecord, RowError, Skipped, contact_id_cell

Kind = Literal["deals", "payments"]
PRESETS = ("auto", "generic", "stripe")


def _names(*pairs: tuple[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalize(name): target for target, names in pairs for name in (target, *names)}


DEAL_COLUMNS = _names(
    ("title", ("name", "deal", "dealname", "deal name", "subject", "opportunity")),
    ("amount", ("value", "deal value", "total", "price")),
    ("currency", ("currency code",)),
    ("contact_email", ("email", "contact email", "email address", "mail")),
    ("contact_id", ("contact",)),
    ("organization", ("organisation", "company", "account", "client", "customer")),
    ("pipeline", ()),
    ("stage", ("deal stage",)),
    ("status", ("state",)),
    ("probability", ("chance", "win probability")),
    ("expected_close", ("close date", "expected close date", "close", "closing date")),
    ("next_step", ()),
    ("next_step_due", ("next due", "next step date")),
    ("recurring_amount", ("recurring", "mrr", "retainer")),
    ("recurring_interval", ("interval", "billing period", "period")),
    ("source", ("lead source", "channel")),
    ("lost_reason", ("reason", "loss reason")),
    ("won_at", ("won", "won date", "won on")),
    ("lost_at", ("lost", "lost date", "lost on")),
    ("furthest_stage", ("last stage", "furthest")),
    ("owner", ("deal owner", "assigned to")),
    ("external_id", ("deal id", "record id", "external id")),
    ("created_at", ("created", "create date", "created date")),
)
PAYMENT_COLUMNS = _names(
    ("paid_on", ("paid at", "paid", "date", "payment date", "when", "paid date")),
    ("amount", ("total", "value", "amount paid", "sum")),
    ("currency", ("currency code",)),
    ("contact_email", ("email", "contact email", "customer email", "email address")),
    ("contact_id", ("contact",)),
    ("organization", ("organisation", "company", "client", "customer", "customer name")),
    ("deal_id", ("deal",)),
    ("deal_external_id", ()),
    ("reference", ("ref", "invoice", "invoice number", "invoice no", "number", "transaction id")),
    ("note", ("notes", "description", "memo")),
)
STRIPE_COLUMNS = {
    normalize("id"): "reference",
    normalize("Created date (UTC)"): "paid_on",
    normalize("Amount"): "amount",
    normalize("Amount Refunded"): "refunded",
    normalize("Currency"): "currency",
    normalize("Captured"): "captured",
    normalize("Status"): "stripe_status",
    normalize("Customer Email"): "contact_email",
    normalize("Customer Description"): "organization",
    normalize("Description"): "note",
}
_STRIPE_MARKS = {normalize("Created date (UTC)"), normalize("Amount Refunded"), normalize("Customer Email")}


def detect_preset(header: list[str], kind: Kind) -> str:
    """`stripe` for Stripe's payments export, else `generic`."""
    if kind == "payments" and {normalize(h) for h in header} >= _STRIPE_MARKS:
        return "stripe"
    return "generic"


def columns_of(kind: Kind, preset: str) -> dict[str, str]:
    if preset == "stripe":
        return STRIPE_COLUMNS
    return DEAL_COLUMNS if kind == "deals" else PAYMENT_COLUMNS


# ---------------------------------------------------------------- one row


class RowRules:
    """How a row's text fields become a record: the zone, the default currency, the preset."""

    def __init__(
        self, kind: Kind, *, tz: tzinfo, default_currency: str, preset: str, today: date | None = None
    ) -> None:
        """`today`, in `tz`: a payment dated after it is refused (not_yet_received); None checks no date."""
        self.kind, self.tz, self.default_currency, self.preset = kind, tz, default_currency, preset
        self.today = today

    def _money(
        self, line: int, text: str, currency: str, column: str, *, negative: bool, stated: bool = False
    ) -> tuple[int, str]:
        """The amount in minor units and its currency; `stated`: `currency` is the row's own currency
        column, which an amount naming another currency contradicts (an error, not a pick)."""
        try:
            money = parse_money(text, default_currency=currency, allow_negative=negative)
        except InvalidInput as exc:
            raise RowError(line, exc.message, column) from None
        if stated and money.currency != currency:
            said = f"'{shorten(text)}' is in {money.currency}, the currency column says {currency}"
            raise RowError(line, said, column)
        return money.minor, money.currency

    def _currency(self, line: int, texts: dict[str, str], column: Callable[[str], str]) -> str:
        text = texts.get("currency", "").strip()
        if not text:
            return self.default_currency
        try:
            return check_currency(text)
        except InvalidInput as exc:
            raise RowError(line, exc.message, column("currency")) from None

    def _day(self, line: int, text: str, column: str, tz: tzinfo | None = None) -> date:
        return parse_instant(text, line, column, tz or self.tz).astimezone(tz or self.tz).date()

    def _int(self, line: int, text: str, column: str, *, low: int, high: int) -> int:
        clean = text.strip().rstrip("%").strip()
        if not clean.isdigit() or not low <= int(clean) <= high:
            raise RowError(line, f"'{shorten(text)}' is not a number from {low} to {high}", column)
        return int(clean)

    def record(
        self, line: int, texts: dict[str, str], column: Callable[[str], str], cells: list[str] | None
    ) -> DealRecord | PaymentRecord | None:
        """The record for a row's text fields (missing ones blank); None for a row to skip quietly."""
        return (
            self.deal(line, texts, column, cells) if self.kind == "deals" else self.payment(line, texts, column, cells)
        )

    def _who(self, line: int, texts: dict[str, str], column: Callable[[str], str]) -> tuple[str | None, int | None]:
        email = texts.get("contact_email", "").strip()
        contact = texts.get("contact_id", "").strip()
        contact_id = contact_id_cell(contact, line, column("contact_id")) if contact else None
        return (parse_email(email, line, column("contact_email")) if email else None), contact_id

    def deal(
        self, line: int, texts: dict[str, str], column: Callable[[str], str], cells: list[str] | None
    ) -> DealRecord:
        title = " ".join(texts.get("title", "").split())
        if not title:
            raise RowError(line, "no title", column("title"))
        currency = self._currency(line, texts, column)
        amount_text = texts.get("amount", "").strip()
        if not amount_text:
            raise RowError(line, "no amount", column("amount"))
        stated = bool(texts.get("currency", "").strip())
        amount, currency = self._money(line, amount_text, currency, column("amount"), negative=False, stated=stated)
        email, contact_id = self._who(line, texts, column)
        record = DealRecord(
            line=line,
            title=title,
            amount=amount,
            currency=currency,
            contact_email=email,
            contact_id=contact_id,
            cells=cells,
        )
        for name in (
            "organization",
            "pipeline",
            "stage",
            "next_step",
            "source",
            "lost_reason",
            "furthest_stage",
            "owner",
            "external_id",
        ):
            setattr(record, name, " ".join(texts.get(name, "").split()) or None)
        status = texts.get("status", "").strip().lower()
        if status and status not in ("open", "won", "lost"):
            raise RowError(line, f"unknown status '{shorten(status)}' (use open, won or lost)", column("status"))
        record.status = status or None
        if texts.get("probability", "").strip():
            record.probability = self._int(line, texts["probability"], column("probability"), low=0, high=100)
        if texts.get("expected_close", "").strip():
            record.expected_close = self._day(line, texts["expected_close"], column("expected_close"))
        for name in ("next_step_due", "won_at", "lost_at", "created_at"):
            if texts.get(name, "").strip():
                setattr(record, name, parse_instant(texts[name], line, column(name), self.tz))
        recurring = texts.get("recurring_amount", "").strip()
        if recurring:
            interval = texts.get("recurring_interval", "").strip().lower()
            try:
                if interval:
                    money, each = parse_money(recurring, default_currency=currency), interval
                else:
                    money, each = parse_recurring(recurring, default_currency=currency)
            except InvalidInput as exc:
                raise RowError(line, exc.message, column("recurring_amount")) from None
            if each not in INTERVALS:
                raise RowError(
                    line, f"unknown period '{shorten(each)}' (use month, quarter or year)", column("recurring_interval")
                )
            if money.currency != currency:
                raise RowError(
                    line,
                    f"the recurring amount is in {money.currency}, the deal in {currency}",
                    column("recurring_amount"),
                )
            record.recurring_amount, record.recurring_interval = money.minor, each
        if record.status == "lost" and not record.lost_reason:
            raise RowError(line, "a lost deal needs a reason", column("lost_reason"))
        return record

    def payment(
        self, line: int, texts: dict[str, str], column: Callable[[str], str], cells: list[str] | None
    ) -> PaymentRecord | None:
        stripe = self.preset == "stripe"
        if stripe and (
            texts.get("stripe_status", "").strip().lower() == "failed"
            or texts.get("captured", "").strip().lower() == "false"
        ):
            return None
        day = texts.get("paid_on", "").strip()
        if not day:
            raise RowError(line, "no date", column("paid_on"))
        paid_on = self._day(line, day, column("paid_on"), UTC if stripe else None)
        if self.today is not None and (later := not_yet_received(paid_on, self.today)):
            raise RowError(line, later, column("paid_on"))
        currency = self._currency(line, texts, column)
        amount_text = texts.get("amount", "").strip()
        if not amount_text:
            raise RowError(line, "no amount", column("amount"))
        stated = bool(texts.get("currency", "").strip())
        amount, currency = self._money(line, amount_text, currency, column("amount"), negative=True, stated=stated)
        if stripe and texts.get("refunded", "").strip():
            refunded, _ = self._money(line, texts["refunded"], currency, "Amount Refunded", negative=False, stated=True)
            amount -= refunded
        email, contact_id = self._who(line, texts, column)
        deal = texts.get("deal_id", "").strip()
        deal_id = contact_id_cell(deal, line, column("deal_id")) if deal else None
        if deal and deal_id is None:
            raise RowError(line, f"'{shorten(deal)}' is not a deal id", column("deal_id"))
        organization = " ".join(texts.get("organization", "").split()) or None
        deal_external = texts.get("deal_external_id", "").strip() or None
        if not (email or contact_id or organization or deal_id or deal_external):
            raise RowError(line, "no one paid: give an email, a contact_id, an organization or a deal_id")
        return PaymentRecord(
            line=line,
            paid_on=paid_on,
            amount=amount,
            currency=currency,
            contact_email=email,
            contact_id=contact_id,
            organization=organization,
            deal_id=deal_id,
            deal_external_id=deal_external,
            reference=texts.get("reference", "").strip() or None,
            note=texts.get("note", "").strip() or None,
            cells=cells,
        )


# ---------------------------------------------------------------- readers


class MoneyCsvReader:
    """A deals or payments CSV: rows as records, bad rows as errors or Skipped."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        kind: Kind,
        name: str,
        tz: tzinfo,
        default_currency: str,
        preset: str = "auto",
        encoding: str | None = None,
        delimiter: str | None = None,
        size: int | None = None,
        skip_invalid: bool = False,
        today: date | None = None,
    ) -> None:
        self.name, self.kind, self.skip_invalid = name, kind, skip_invalid
        known = {**DEAL_COLUMNS} if kind == "deals" else {**PAYMENT_COLUMNS, **STRIPE_COLUMNS}
        self.source = open_csv(
            stream,
            name=name,
            encoding=encoding,
            delimiter=delimiter,
            size=size,
            recognize=lambda row: sum(1 for h in row if normalize(h) in known),
            expected="title, amount, stage" if kind == "deals" else "paid_on, amount, email",
        )
        self.header = self.source.header
        self.preset = detect_preset(self.header, kind) if preset == "auto" else preset
        columns = columns_of(kind, self.preset)
        self.index: dict[str, int] = {}
        for i, h in enumerate(self.header):
            target = columns.get(normalize(h))
            if target and target not in self.index:
                self.index[target] = i
        if "amount" not in self.index:
            raise InvalidInput(f"{name}: no amount column")
        if kind == "deals" and "title" not in self.index:
            raise InvalidInput(f"{name}: no title column (what each deal is)")
        if kind == "payments" and "paid_on" not in self.index:
            raise InvalidInput(f"{name}: no paid_on column (when each payment came in)")
        self.rules = RowRules(kind, tz=tz, default_currency=default_currency, preset=self.preset, today=today)

    @property
    def bytes_read(self) -> int:
        return self.source.bytes_read

    def map(self, line: int, cells: list[str]) -> DealRecord | PaymentRecord | None:
        if not any(c.strip() for c in cells):
            return None
        header, index = self.header, self.index

        def column(target: str) -> str:
            return header[index[target]] if target in index else target

        texts = {}
        for target, i in index.items():
            value = cells[i].strip() if i < len(cells) else ""
            texts[target] = unneutralize(value) if value[:1] == "'" else value
        record = self.rules.record(line, texts, column, cells)
        return record

    def __iter__(self) -> Iterator[DealRecord | PaymentRecord | Skipped]:
        for line, cells in self.source.rows():
            try:
                record = self.map(line, cells)
            except RowError as exc:
                if not self.skip_invalid:
                    raise InvalidInput(exc.describe(self.name)) from None
                where = f" (column {exc.column})" if exc.column else ""
                yield Skipped(line, exc.message + where, cells, True)
                continue
            if record is not None:
                yield record
            elif any(c.strip() for c in cells):
                yield Skipped(line, "a failed or uncaptured charge", cells)
            else:
                yield Skipped(line, "blank row")


class MoneyJsonReader(JsonReader):
    """A JSON array or NDJSON of deals or payments, keyed as `crm export` writes them (or with synonyms)."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        kind: Kind,
        name: str,
        tz: tzinfo,
        default_currency: str,
        encoding: str | None = None,
        size: int | None = None,
        skip_invalid: bool = False,
        today: date | None = None,
    ) -> None:
        super().__init__(stream, name=name, encoding=encoding, size=size, skip_invalid=skip_invalid)
        self.kind = kind
        self.columns = DEAL_COLUMNS if kind == "deals" else PAYMENT_COLUMNS
        self.header = sorted(set(self.columns.values()))  # the rejects file's columns
        self.rules = RowRules(kind, tz=tz, default_currency=default_currency, preset="generic", today=today)

    def __iter__(self) -> Iterator[DealRecord | PaymentRecord | Skipped]:
        for line, index, value in self.items:
            try:
                record = self.map(line, index, value)
            except RowError as exc:
                reason = self.refused(exc, line, index)
                cells = self._cells(value) if isinstance(value, dict) else None
                yield Skipped(line, reason, cells, True)
                continue
            yield record if record is not None else Skipped(line, "blank item")

    def _fields(self, obj: dict[str, Any]) -> dict[str, tuple[str, Any]]:
        found: dict[str, tuple[str, Any]] = {}
        for key, value in obj.items():
            target = self.columns.get(normalize(key))
            if target is None or not given(value):
                continue
            if normalize(key) == normalize(target) or target not in found:
                found[target] = (key, value)
        return found

    def _cells(self, obj: dict[str, Any]) -> list[str]:
        found = self._fields(obj)
        return [as_cell(found[c][1]) if c in found else "" for c in self.header]

    def map(self, line: int, index: int, value: Any) -> DealRecord | PaymentRecord | None:
        if not isinstance(value, dict):
            raise RowError(line, f"{kind_of(value)} where an object was expected")
        found = self._fields(value)
        if not found:
            if not any(given(v) for v in value.values()):
                return None
            lists = [k for k, v in value.items() if isinstance(v, list)]
            if lists:
                raise self.wrapper(line, index, lists[0], self.kind.removesuffix("s"))
        texts = {target: text_of(line, key, v) for target, (key, v) in found.items()}
        record = self.rules.record(
            line,
            texts,
            lambda target: found[target][0] if target in found else target,
            self._cells(value) if self.skip_invalid else None,
        )
        if record is not None:
            record.where = self.at(line, index)
        return record

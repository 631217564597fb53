"""Reading a payment provider's settlement / transactions report (CSV) into plain lines:
which references a line may match, its amount in minor units, and whether the money
actually settled. Framework-free; the matching is cloud.services.static_payments.

Headers are compared case-insensitively with spaces, dashes and underscores alike, so
"Order ID", "order_id" and "ORDER-ID" are one column.

Sources for the column names:
- Midtrans: the transaction fields of its API and dashboard export, `order_id`,
  `transaction_id`, `gross_amount`, `payment_type`, `transaction_status` (values
  `settlement`, `capture`, `pending`, `expire`, ...), `settlement_time`
  (https://docs.midtrans.com/reference/transaction-details-object,
  https://docs.midtrans.com/docs/midtrans-dashboard-usage). The dashboard's CSV export was
  not available to check header by header; "Amount" is read when "Gross Amount" is absent.
- Xendit: the Transactions report, version 2 (https://docs.xendit.co/v1/docs/transactions-report;
  versions at https://docs.xendit.co/apidocs/generate-report: "VERSION_2 ... swapped Payment
  ID with Product ID"): `Status` (SUCCESS, PENDING, FAILED, ...; the Detailed Transactions
  report says SUCCESSFUL), `Type` (PAYMENT, REFUND, ...), `Channel`, `Channel Name`,
  `Currency`, `Amount`, `Total Fee`, `Total VAT`, `Net Amount`, `Reference`, `Product ID`,
  `Settlement Status`. The gross `Amount` is what the customer paid, so it is matched.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sync import money
from sync.errors import Invalid

MAX_LINES = 20_000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    names: tuple[str, ...]  # normalised header names, the first present wins


@dataclass(frozen=True)
class Layout:
    references: tuple[Column, ...]  # each may hold the payer's reference
    amount: Column
    status: Column | None
    settled: frozenset[str]  # status values (lower case) that mean the money is in
    kind: Column | None = None  # a payment, not a refund or a payout
    payment_kinds: frozenset[str] = frozenset()
    currency: Column | None = None


LAYOUTS = {
    "midtrans": Layout(
        references=(Column(("order_id",)), Column(("transaction_id",))),
        amount=Column(("gross_amount", "amount")),
        status=Column(("transaction_status", "status")),
        settled=frozenset({"settlement", "capture"}),
        currency=Column(("currency",)),
    ),
    "xendit": Layout(
        references=(Column(("reference", "reference_id", "external_id")), Column(("product_id", "payment_id"))),
        amount=Column(("amount",)),
        status=Column(("status",)),
        settled=frozenset({"success", "successful", "settled", "completed"}),
        kind=Column(("type",)),
        payment_kinds=frozenset({"payment", "in_person_payment"}),
        currency=Column(("currency",)),
    ),
}


@dataclass(frozen=True)
class SettlementRow:
    line: int  # the file's line number (the header is line 1)
    references: tuple[str, ...]
    amount: int  # minor units
    settled: bool
    status: str


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "_", header.strip().lower()).strip("_")


def _amount(text: str) -> int:
    """'145000', '145000.00', '145,000', 'IDR 145.000,00' is refused (ambiguous)."""
    text = re.sub(r"^(idr|rp\.?)\s*", "", text.strip(), flags=re.IGNORECASE)
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d{1,2})?", text):
        text = text.replace(",", "")
    return money.parse_amount(text)


def _pick(row: dict, column: Column | None) -> str | None:
    if column is None:
        return None
    for name in column.names:
        if name in row:
            return row[name]
    return None


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise Invalid("The settlement file is larger than 5 MB; import it a week at a time", "FILE_TOO_LARGE",
                      "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("The settlement file must be a UTF-8 CSV", "INVALID_CSV", "file") from None
    if "\x00" in text:
        raise Invalid("The CSV may not contain NUL characters", "INVALID_CSV", "file")
    return text


def parse(provider: str, text: str) -> list[SettlementRow]:
    """Every line of the file, or Invalid listing each bad line (nothing is imported then)."""
    try:
        return _parse(provider, text)
    except csv.Error as error:  # a cell longer than the csv module takes, a stray quote
        raise Invalid(f"The CSV could not be read: {error}", "INVALID_CSV", "file") from None


def _parse(provider: str, text: str) -> list[SettlementRow]:
    layout = LAYOUTS[provider]
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    keys = [_key(h) for h in header or []]
    wanted = {"reference": [n for c in layout.references for n in c.names], "amount": list(layout.amount.names)}
    missing = [what for what, names in wanted.items() if not set(names) & set(keys)]
    if missing:
        expected = " / ".join(layout.references[0].names + layout.amount.names[:1])
        raise Invalid(f"This is not a {provider.capitalize()} settlement CSV: no {' or '.join(missing)} column "
                      f"(expected headers such as {expected})", "INVALID_CSV", "file")
    rows, errors = [], []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (exports often end with one)
        if line - 1 > MAX_LINES:
            raise Invalid(f"At most {MAX_LINES} lines per import", "TOO_MANY_ROWS", "file")
        row = {key: cell.strip() for key, cell in zip(keys, cells, strict=False)}
        try:
            references = tuple(value for column in layout.references
                               if (value := _pick(row, column)))
            if not references:
                raise ValueError("no reference on this line")
            if any(len(value) > 120 for value in references):
                raise ValueError("a reference longer than 120 characters")
            raw_amount = _pick(row, layout.amount)
            if not raw_amount:
                raise ValueError("no amount on this line")
            amount = _amount(raw_amount)
            currency = (_pick(row, layout.currency) or "IDR").upper()
            if currency != "IDR":
                raise ValueError(f"currency {currency}: only IDR settlements are matched")
            status = (_pick(row, layout.status) or "").lower()
            kind = (_pick(row, layout.kind) or "").lower()
            settled = amount > 0 and (not status or status in layout.settled) and (
                not kind or kind in layout.payment_kinds)  # a refund's line (negative, or its type) is no payment
            rows.append(SettlementRow(line, references, amount, settled, status or kind))
        except (ValueError, money.MoneyFormatError) as error:
            errors.append({"line": line, "message": str(error)})
    if errors:
        raise Invalid(f"{len(errors)} line(s) of the file are invalid; nothing was imported", "INVALID_ROWS", "file",
                      extra={"rows": errors[:100]})
    return rows

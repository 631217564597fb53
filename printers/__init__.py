"""Receipt, kitchen and report printing: plain values in, ESC/POS bytes out.

Layout values (`printers.values`) are rendered with python-escpos for one printer's
escpos-printer-db profile (`printers.render`), stored as print jobs, and sent in order
by one `PrintWorker` per printer over a serial, USB, network or file transport.
Nothing here knows about Flask or the database: the edge implements `JobStore` on its
SQLite. See docs/printing.md.
"""
from . import escpos_cache  # noqa: F401  (before anything imports python-escpos)
from .backoff import Backoff
from .config import ConfigError, PrinterConfig
from .encoding import CodePageError, fold_text
from .jobs import InMemoryJobStore, JobStore, PrintJob
from .money_format import CurrencyFormat, format_money
from .profiles import Paper, ProfileError
from .render import (
    make_test_page,
    render,
    render_drawer_kick,
    render_stored,
    render_text,
)
from .status import PrinterStatus
from .transports import (
    FileTransport,
    NetworkTransport,
    SerialTransport,
    Transport,
    TransportError,
    UsbTransport,
    transport_for,
)
from .value_codec import DocumentError
from .values import (
    CashMovement,
    DrawerKick,
    KitchenItem,
    KitchenTicket,
    MethodTotal,
    Payment,
    PrintLocale,
    Promotion,
    Receipt,
    ReceiptLine,
    ReceiptModifier,
    ReceiptRefund,
    ShiftReport,
    TestPage,
    load_document,
)
from .worker import PrintWorker, WorkerPolicy, probe_status

__all__ = [
    "Backoff", "CashMovement", "CodePageError", "ConfigError", "CurrencyFormat", "DocumentError", "DrawerKick",
    "FileTransport", "InMemoryJobStore", "JobStore", "KitchenItem", "KitchenTicket", "MethodTotal",
    "NetworkTransport", "Paper", "Payment", "PrintJob", "PrintLocale", "PrintWorker", "PrinterConfig",
    "PrinterStatus", "ProfileError", "Promotion", "Receipt", "ReceiptLine", "ReceiptModifier", "ReceiptRefund",
    "SerialTransport",
    "ShiftReport", "TestPage", "Transport", "TransportError", "UsbTransport", "WorkerPolicy", "fold_text",
    "format_money", "load_document", "make_test_page", "probe_status", "render", "render_drawer_kick",
    "render_stored", "render_text", "transport_for",
]

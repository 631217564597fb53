"""What the edge's print jobs put on paper: each stored document rendered for its printer
and read back by the independent ESC/POS decoder, as a person reads the slip."""
from __future__ import annotations

from edge.extensions import db
from edge.models import Printer, PrintJobRow
from edge.services.printing import jobs as printing
from printers.render import render_stored
from tests.support.escpos_decoder import Decoded, decode


def printed(edge_app, kind: str, **filters) -> list[Decoded]:
    """Every job of `kind` (receipt, kitchen, report ...), oldest first, as printed."""
    with edge_app.app_context():
        rows = db.session.query(PrintJobRow).filter_by(kind=kind, **filters).order_by(PrintJobRow.id).all()
        slips = []
        for row in rows:
            config = printing.config_of(db.session.get(Printer, row.printer_id))
            paper = config.paper()
            decoded = decode(render_stored(row.document, config), encoding="cp437", profile=config.profile,
                             columns=paper.columns)
            assert decoded.unknown == [] and decoded.overflows == [], (decoded.unknown, decoded.overflows)
            slips.append(decoded)
        db.session.rollback()
        return slips


def add_file_printer(manager, role: str = "receipt", name: str = "front", **extra) -> dict:
    response = manager.post("/api/printers/", {"name": name, "kind": "file", "device": f"{name}.escpos", "role": role,
                                               "profile": "TM-T20II", **extra})
    assert response.status_code == 201, response.json
    return response.json

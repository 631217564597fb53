"""A QR string as an SVG image for the till and the customer-facing screen: drawn here
by `qrcode` (already used for the receipt's QR), so the kiosk needs no script of its own
and works offline from the LAN."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def svg(text: str) -> bytes:
    """A scannable SVG of `text` (error correction M, as QRIS asks of merchant-presented codes)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()

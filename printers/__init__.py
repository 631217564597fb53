"""Receipt, kitchen and report printing: plain values in, ESC/POS bytes out.

Layout values (`printers.values`) are rendered with python-escpos for one printer's
profile (`printers.render`), stored as print jobs, and sent in order by one
`PrintWorker` per printer over a serial, USB, network or file transport. Nothing here
knows about Flask or the database: the edge implements `JobStore` on its SQLite.
"""

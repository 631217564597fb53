"""The write gate, the write path and the database file under them."""

"""Print jobs written with what caused them, the documents they print, and the worker that sends them."""

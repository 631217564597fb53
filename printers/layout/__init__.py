"""Layouts: one module per document, each turning a value into paper blocks."""

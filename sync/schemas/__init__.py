"""Versioned wire schemas of what travels between edge and cloud."""

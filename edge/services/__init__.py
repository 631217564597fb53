"""Domain logic of the edge: plain functions and classes, no Flask request, no HTTP."""

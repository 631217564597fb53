"""Stand-ins for the outside services the product talks to, for the demo and the tests.

A simulator imports nothing of ours (an import-linter contract says so): it is a second,
independent reading of the provider's published wire format, so a test of our code
against it checks our reading, not our code against itself.
"""

"""The contract between edge and cloud.

Wire formats (money, time, ids, event and change schemas), the HTTP conventions of
CONTRACT.md section 2 that both apps speak, the push/pull client the edge runs and the
protocol rules the cloud's ingest applies. Imports nothing else of ours.
"""
PROTOCOL_VERSION = 1

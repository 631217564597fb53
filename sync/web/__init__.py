"""The HTTP conventions of CONTRACT.md section 2, shared by the edge and the cloud.

Error bodies, paginated lists, money and time fields, idempotent creates: both apps
speak them identically, so they are defined once, here, beside the wire schemas.
"""

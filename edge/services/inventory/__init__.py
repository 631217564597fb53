"""Stock at the outlet: the ledger, counts, transfers and sold-out marks."""

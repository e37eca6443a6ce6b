"""Stage 3, sign-off: the ledger of signed records, the roster in force, the pure gate, and the
reading of all of them at a commit (approval)."""

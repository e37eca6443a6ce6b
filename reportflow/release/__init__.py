"""Stage 5, release: tag and write-once archive of an approved version, and its verification."""

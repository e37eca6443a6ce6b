"""The annual cycle: open next year's report, and tell people what is theirs to do."""

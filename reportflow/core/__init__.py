"""The core beneath every stage: errors and their handler, git, pandoc, text decoding, caches.

Nothing here knows what a report is; every stage above may import it, it imports none of them.
"""

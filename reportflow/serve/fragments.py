"""Parts of pages rendered once per what they show, then reused by every page that shows
the same thing.

The inbox and the report page list every section (a hundred in the benchmark), and every
reviewer's inbox lists the same sign-offs at one commit; rendering those rows again for each
request was most of a page's CPU (2.3-3 ms of Jinja per page against 0.1 ms of data,
bench/bench_serve.py), all of it holding the GIL the other requests wait for. A fragment is a
template of its own, rendered with the same escaping environment, and kept by a key that
names everything it shows (the frozen values themselves, never a session's), so a page made
from kept fragments is byte for byte the page rendered whole. Jinja2 has no fragment cache of
its own; this is the few lines one needs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from jinja2 import Environment, Undefined
from markupsafe import Markup

KEEP = 256  # fragments kept: a few commits' worth of lists, in a few languages at most


class Fragments:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._kept: OrderedDict[tuple[str, Hashable], Markup] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, name: str, key: Hashable, **values: Any) -> Markup:
        """Template ``name`` rendered with ``values``, which ``key`` must determine wholly."""
        if isinstance(key, Undefined) or key is None:  # a page that forgot its key would
            raise TypeError(f"fragment {name} needs a key")  # show one reviewer's to all
        slot = (name, key)
        with self._lock:
            found = self._kept.get(slot)
            if found is not None:
                self._kept.move_to_end(slot)
                return found
        # already HTML: rendered by the autoescaping environment, so kept as Markup
        html = Markup(self.env.get_template(name).render(**values))
        with self._lock:
            self._kept[slot] = html
            while len(self._kept) > KEEP:
                self._kept.popitem(last=False)
        return html

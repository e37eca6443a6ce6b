"""Which roster was in force at a commit: the keys that could sign there.

A key is a person's while a roster in force lists it. Once a roster change that drops it has
taken effect, a record or a commit signed with it afterwards is not that person's: the key
was rotated out, perhaps because it leaked. So the audit judges each signature by the roster
in force where it entered the history (a record by the commit that added it, a commit by
itself), in the order of the commit graph, never by a date: the roster of the chain from the
trust root whose taking effect (``Link.effect``, the commit whose records approved it) is that
commit or one of its ancestors, the newest such. The roster that judges the audited commit
(``GateResult.roster.roster``, report.yaml's once its change is signed off) comes last, from
where its own approvals were added. A record the trust root's members made (channel
``trust-root``) is judged by the root's members' keys.

The gate judges the current texts by the roster in force at the audited commit; this gives
older records and commits the same treatment at their own place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reportflow.signoff import approval, gate
from reportflow.signoff import chain as rchain
from reportflow.signoff.roster import Roster


@dataclass(frozen=True)
class InForce:
    steps: tuple[tuple[str | None, Roster], ...]  # (the commit it took effect at, roster)
    is_ancestor: Callable[[str, str], bool] | None
    root_keys: dict[str, tuple[str, ...]]
    _keys: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict, compare=False)

    def roster_at(self, commit: str | None) -> Roster | None:
        """The roster in force at ``commit``; the newest one when the commit is unknown
        (no walk): then nothing better is known."""
        if not self.steps:
            return None
        if not commit or self.is_ancestor is None:
            return self.steps[-1][1]
        found = None
        for effect, roster in self.steps:
            if effect is None or self.is_ancestor(effect, commit):
                found = roster
        return found

    def keys_at(self, commit: str | None, channel: str = "") -> dict[str, tuple[str, ...]]:
        if channel == rchain.ROOT_CHANNEL:
            return self.root_keys
        roster = self.roster_at(commit)
        if roster is None:
            return {}
        if roster.digest not in self._keys:  # one dict per roster: callers group by it
            self._keys[roster.digest] = roster.keys_of()
        return self._keys[roster.digest]


def of(ctx: approval.Context, result: gate.GateResult) -> InForce:
    links = ctx.chain.links if ctx.chain is not None else ()
    steps: list[tuple[str | None, Roster]] = [(link.effect, link.roster) for link in links]
    eff = result.roster.roster
    if eff is not None and (not steps or eff.digest != steps[-1][1].digest):
        verdict = result.roster.verdict
        added = [ctx.added_in.get(r.digest, "") for r in (verdict.counted if verdict else ())]
        added = [a for a in added if a]
        dag = ctx.dag
        effect = max(added, key=dag.generation) if added and dag is not None else None
        steps.append((effect, eff))
    root_keys: dict[str, tuple[str, ...]] = {}
    if ctx.trust is not None:
        versions: Sequence = ctx.trust.chain or ((ctx.trust.root,) if ctx.trust.root else ())
        for version in versions:
            for member, keys in rchain.root_roster(version).keys_of().items():
                root_keys[member] = tuple(dict.fromkeys((*root_keys.get(member, ()), *keys)))
    dag = ctx.dag
    return InForce(tuple(steps), dag.is_ancestor if dag is not None else None, root_keys)

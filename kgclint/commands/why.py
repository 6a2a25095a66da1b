"""``kgclint why SECTION|SYMBOL``: why ``--gc-sections`` keeps or drops an input section.

For a kept section it prints the chain of references from the root that
keeps it (the KEEP pattern, the entry symbol, SHT_NOTE …) down to the
section, one relocation per step; for a dropped one, who refers to it (all
dropped too) and what would have kept it. GNU ld cannot say this itself;
ld.lld's ``--why-live`` only exists in recent releases.

TARGET is a section name (every input section of that name), an lld-style
``file:(section)``, or a symbol (its defining section).
"""

from __future__ import annotations

import argparse
import re

from kgclint.analysis.gc import C_IDENTIFIER, GcResult, format_removed
from kgclint.commands.gc import add_link_arguments, simulate_from_args

_QUALIFIED = re.compile(r"^(?P<file>.+):\((?P<section>.+)\)$")
#: At most this many referrers are listed for a dropped section.
MAX_REFERRERS = 10


def add_parser(subparsers) -> None:
    """Register ``kgclint why``."""
    parser = subparsers.add_parser("why", help="explain why GC keeps or drops a section or symbol")
    parser.add_argument("target", help="SECTION, FILE:(SECTION) or SYMBOL")
    add_link_arguments(parser)
    parser.set_defaults(func=run, command="why")


def _label(result: GcResult, sid: int) -> str:
    obj, s = result.locate(sid)
    return f"{obj.display(result.linker)}:({s.name})"


def find_targets(result: GcResult, target: str) -> tuple[list[int], str]:
    """Section ids the target names, and how it was read ("section", "file:(section)" or "symbol")."""
    match = _QUALIFIED.match(target)
    found = []
    for k, obj in enumerate(result.objects):
        for s in obj.facts.sections:
            sid = result.base[k] + s.index
            if not result.candidate[sid]:
                continue
            if match:
                name = obj.display(result.linker)
                if s.name == match["section"] and (name == match["file"] or name.endswith("/" + match["file"])):
                    found.append(sid)
            elif s.name == target:
                found.append(sid)
    if found or match:
        return found, "file:(section)" if match else "section"
    sid = result.definitions.get(target, -1)
    return ([sid] if sid >= 0 else []), "symbol"


def explain(result: GcResult, sid: int) -> list[str]:
    """The lines that explain one section's fate."""
    obj, s = result.locate(sid)
    label = _label(result, sid)
    if result.live[sid]:
        chain = result.chain(sid)
        root = result.roots.get(chain[0])
        reason = root.reason if root else "kept"
        where = f" ({root.location})" if root and root.location else ""
        lines = [f"{label} is kept by {result.linker}:", f"  root: {_label(result, chain[0])}: {reason}{where}"]
        for step in chain[1:]:
            lines.append(f"  -> {_label(result, step)} (relocation against {result.via.get(step, '?')})")
        return lines
    lines = [f"{label} is dropped by {result.linker}: {format_removed(result.linker, obj, s)}"]
    referrers = result.referrers(sid)
    if not referrers:
        lines.append("  nothing refers to it, and it is no root (no KEEP pattern, not SHT_NOTE, not SHF_GNU_RETAIN)")
    else:
        lines.append(f"  {len(referrers)} reference(s), all from dropped sections:")
        for src, symbol in referrers[:MAX_REFERRERS]:
            lines.append(f"    {_label(result, src)} via {symbol}")
        if len(referrers) > MAX_REFERRERS:
            lines.append(f"    ... and {len(referrers) - MAX_REFERRERS} more")
    if C_IDENTIFIER.match(s.name) and result.linker == "lld":
        lines.append("  ld.lld's default -z start-stop-gc: __start_/__stop_ references do not keep it")
    return lines


def run(args: argparse.Namespace) -> int:
    """Explain every section the target names; exit 1 when it names none."""
    result, _diagnostics = simulate_from_args(args)
    sids, how = find_targets(result, args.target)
    if not sids:
        print(f"kgclint why: no input section or defined symbol named {args.target!r} in this link")
        return 1
    if how == "symbol":
        print(f"symbol {args.target} is defined in {_label(result, sids[0])}")
    for sid in sids:
        print("\n".join(explain(result, sid)))
    return 0

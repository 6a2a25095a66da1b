"""The audit as Markdown, JSON, or one self-contained HTML page (sortable table, links to file:line).

Output depends only on the audit: rows are already sorted, nothing carries
a time stamp, so two runs on one tree print the same bytes.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from kgclint.audit.model import DROPPED, STATUSES, Audit, AuditRow


def _title(audit: Audit) -> str:
    return f"kgclint arch readiness audit: {audit.arch}"


def _summary(audit: Audit) -> str:
    counts = audit.counts()
    return ", ".join(f"{counts[s]} {s}" for s in STATUSES)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(audit: Audit, root: Path) -> str:
    """A report a maintainer reads in a merge request or a mail."""
    out = [f"# {_title(audit)}", ""]
    out.append(f"- scripts ({len(audit.scripts)}): {', '.join(f'`{s}`' for s in audit.scripts) or 'none found'}")
    out.append(f"- linker semantics: {audit.linker}; scripts read in {audit.mode} mode; {audit.files} input files")
    out.append(f"- rows: {len(audit.rows)} ({', '.join(f'{n} {k}' for k, n in audit.kinds().items())})")
    out.append(f"- verdict: **{_summary(audit)}**")
    out += ["", "| status | kind | pattern | output | where | entries (unkept) | breakage | fix |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in audit.rows:
        out.append(
            f"| {row.status} | {row.kind} | `{_cell(row.pattern)}` | {_cell(row.output)} | {row.location} | "
            f"{row.entries} ({row.unkept}) | {row.breakage} | {_cell(row.fix)} |"
        )
    dropped = [row for row in audit.rows if row.status == DROPPED]
    if dropped:
        out += ["", "## Would be dropped", ""]
        for row in dropped:
            out.append(f"### `{row.pattern}` in {row.output} ({row.location})")
            out.append("")
            out.append(f"{row.reason}.")
            out.append("")
            out += [f"- {e.location}: {e.text}" for e in row.evidence]
            if row.proof:
                out.append(f"- object proof: {row.proof}")
            out += [f"- fix: {row.fix}", ""]
    if audit.notes:
        out += ["", "## Notes", ""] + [f"- {_cell(n)}" for n in audit.notes]
    return "\n".join(out).rstrip() + "\n"


def _row_json(row: AuditRow) -> dict:
    return {
        "kind": row.kind, "status": row.status, "breakage": row.breakage, "script": row.script,
        "pattern": row.pattern, "output": row.output, "symbols": list(row.symbols),
        "location": {"path": row.location.path, "line": row.location.line},
        "entries": row.entries, "unkept": row.unkept, "reason": row.reason, "fix": row.fix,
        "evidence": [{"path": e.location.path, "line": e.location.line, "text": e.text} for e in row.evidence],
        "proof": row.proof,
    }


def as_json(audit: Audit, root: Path) -> str:
    document = {
        "version": 1, "arch": audit.arch, "linker": audit.linker, "mode": audit.mode, "files": audit.files,
        "scripts": list(audit.scripts), "summary": audit.counts(), "kinds": audit.kinds(),
        "rows": [_row_json(row) for row in audit.rows], "notes": audit.notes,
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eee; cursor: pointer; user-select: none; }
th.sorted-asc::after { content: " \\25B2"; } th.sorted-desc::after { content: " \\25BC"; }
tr.would-be-dropped td.status { background: #f8d0d0; font-weight: bold; }
tr.unknown td.status { background: #fff2c0; }
tr.kept td.status { background: #d8f0d8; }
code { font-size: 13px; } ul { margin: 0; padding-left: 1.2em; } .summary { font-size: 16px; }
"""

_SCRIPT = """
function sortBy(th) {
  const table = th.closest('table'), body = table.tBodies[0];
  const col = Array.from(th.parentNode.children).indexOf(th);
  const asc = !th.classList.contains('sorted-asc');
  table.querySelectorAll('th').forEach(h => h.classList.remove('sorted-asc', 'sorted-desc'));
  th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');
  const key = td => td.dataset.sort !== undefined ? td.dataset.sort : td.textContent.trim();
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = key(a.cells[col]), y = key(b.cells[col]);
    const nx = parseFloat(x), ny = parseFloat(y);
    const c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
    return asc ? c : -c;
  });
  rows.forEach(r => body.appendChild(r));
}
document.querySelectorAll('th').forEach(th => th.addEventListener('click', () => sortBy(th)));
"""


def _link(root: Path, path: str, line: int) -> str:
    target = (root / path).as_uri() + (f"#L{line}" if line else "")
    label = f"{path}:{line}" if line else path
    return f'<a href="{html.escape(target)}">{html.escape(label)}</a>'


def as_html(audit: Audit, root: Path) -> str:
    """One page, no external resources: styles and the sort script are inline."""
    e = html.escape
    title = _title(audit)
    head = ["status", "kind", "pattern", "output", "where", "entries", "unkept", "breakage", "evidence", "fix"]
    rows = []
    for row in audit.rows:
        evidence = "".join(f"<li>{_link(root, ev.location.path, ev.location.line)}: {e(ev.text)}</li>" for ev in row.evidence)
        rows.append(
            f'<tr class="{row.status.replace(" ", "-")}">'
            f'<td class="status" data-sort="{_status_rank(row.status)}">{e(row.status)}</td><td>{e(row.kind)}</td>'
            f"<td><code>{e(row.pattern)}</code></td><td>{e(row.output)}</td>"
            f'<td data-sort="{e(row.location.path)}:{row.location.line:08d}">{_link(root, row.location.path, row.location.line)}</td>'
            f"<td>{row.entries}</td><td>{row.unkept}</td><td>{e(row.breakage)}</td>"
            f"<td><ul>{evidence}</ul>{e(row.reason)}"
            + (f"<p><b>object proof:</b> {e(row.proof)}</p>" if row.proof else "")
            + f"</td><td>{e(row.fix)}</td></tr>"
        )
    notes = "".join(f"<li>{e(n)}</li>" for n in audit.notes)
    scripts = ", ".join(_link(root, s, 0) for s in audit.scripts) or "none found"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>{e(title)}</h1>\n"
        f'<p class="summary" id="summary">{e(_summary(audit))} ({len(audit.rows)} rows)</p>\n'
        f"<p>Scripts: {scripts}. Linker semantics: {e(audit.linker)}; scripts read in {e(audit.mode)} mode; "
        f"{audit.files} input files. Click a column heading to sort.</p>\n"
        f'<table id="audit"><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>\n"
        + (f"<h2>Notes</h2><ul>{notes}</ul>\n" if notes else "")
        + f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )


def _status_rank(status: str) -> int:
    return STATUSES.index(status)


RENDERERS = {"md": markdown, "json": as_json, "html": as_html}

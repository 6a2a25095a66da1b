"""The arch readiness audit: every table, range and entry point an arch's linker scripts place, judged.

For a maintainer deciding whether an arch may select
``HAVE_LD_DEAD_CODE_DATA_ELIMINATION``: each row says whether
``--gc-sections`` keeps the thing, with the evidence (script line, the code
that walks it, the sources that place entries), whether a drop would fail
the link (loud) or not (silent), and the fix.
"""

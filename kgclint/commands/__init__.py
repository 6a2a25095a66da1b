"""Sub-commands beyond check/rules/explain; each module registers itself (add_parser) and is found by cli.py."""

"""`python -m kgclint` runs the same entry point as the console script."""

from kgclint.cli import main

raise SystemExit(main())

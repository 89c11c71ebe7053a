"""`python -m ketasim ...` runs the ketasim command line (same as the `ketasim` script)."""

from .cli import main

raise SystemExit(main())

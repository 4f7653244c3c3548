"""`python -m tests.drill`: see tests/drill/__init__.py."""

from tests.drill.run import main

raise SystemExit(main())

"""`python -m entrypoints.cli serve | db ... | seed`."""

import sys

from entrypoints.cli.main import main

main(sys.argv[1:])

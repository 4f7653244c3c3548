"""The command line (`python -m entrypoints.cli`, wrapped by the Makefile): main.py parses
and runs the commands; seed.py and seed_plan.py write the demo data; progress.py draws bars."""

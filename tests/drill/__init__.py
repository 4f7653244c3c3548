"""`make drill`: a game day. A local PostgreSQL streaming cluster (a primary, two replicas)
serves two app instances under a scripted load while the drill loses a replica, pauses
replay on another, restarts the instances one at a time, runs an expand migration with a
batched backfill, and fails the primary over; then it looks for writes the cluster lost.

Run with `python -m tests.drill`; the results go to bench-results/drill-<timestamp>.md.
"""

"""The fault soak: every event once, in order, through a seeded storm of faults.

`make soak` (`python -m tests.soak`) runs three consumers, sync and async, over at
least 100,000 events each against a mock in a child process; `test_soak.py` runs a
short version inside `make test`.
"""

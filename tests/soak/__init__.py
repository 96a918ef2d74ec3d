"""The fault soak: every event once, in order, through a seeded storm of faults.

`make soak` (`python -m tests.soak`) runs six consumers (consumers.py), sync and
async, over 100,000 events each against a mock in a child process, through the wire
fault proxy (tests/wire) as well as the mock's own faults, for one seed or many
(`--seeds`); `test_soak.py` runs a short version inside `make test`.
"""

"""Faults at the wire: a TCP proxy between the client and the mock that cuts, resets,
stalls and re-chunks connections at chosen bytes (proxy.py), and the streams' promise
(every event once, in order) checked through it."""

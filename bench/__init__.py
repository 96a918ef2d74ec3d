"""`make bench`: agentrail side by side with httpx + httpx-sse (see bench/run.py)."""

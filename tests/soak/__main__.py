"""`python -m tests.soak`: the full soak (see runner.py)."""

import sys

from tests.soak.runner import main

sys.exit(main())

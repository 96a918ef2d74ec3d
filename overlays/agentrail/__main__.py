"""`python -m agentrail`: the same as the `agentrail` command."""

import sys

from ._cli import main

sys.exit(main())

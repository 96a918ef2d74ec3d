"""agentrail: the Python SDK for the agentrail API.

The typed client, streams and errors arrive with later releases; the generated REST
client is `agentrail_api`, underneath.
"""

from agentrail._version import __version__

__all__ = ["__version__"]

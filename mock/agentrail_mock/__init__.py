"""agentrail_mock: a stateful in-memory implementation of openapi.yaml."""

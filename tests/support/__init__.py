"""Helpers the tests share (data builders, servers, the CLI runner); fixtures: conftest.py."""

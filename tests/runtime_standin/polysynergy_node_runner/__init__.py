"""Test stand-in for the PolySynergy node runner (see tests/runtime_standin/README.md)."""

STANDIN = True

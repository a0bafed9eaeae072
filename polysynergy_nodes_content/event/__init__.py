"""Nodes for content events: poll and acknowledge a pull subscription's events in a
Schedule flow, and receive a signed webhook delivery in a Route flow."""

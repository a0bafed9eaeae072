"""Nodes that generate, apply and roll back reviewed section migrations."""

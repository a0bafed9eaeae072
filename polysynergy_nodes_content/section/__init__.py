"""Nodes that manage sections and their fields (the content model)."""

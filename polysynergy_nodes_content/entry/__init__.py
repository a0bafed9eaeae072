"""Nodes that create, update, query and delete entries of a section."""

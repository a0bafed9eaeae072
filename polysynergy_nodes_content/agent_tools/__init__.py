"""A service node that gives PolySynergy agents typed tools over the content system."""

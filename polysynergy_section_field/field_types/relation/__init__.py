"""Relation field type: links to entries of another section."""

from .relation import RelationField

__all__ = ["RelationField"]

"""Relation field types: links to entries of another section."""

from .polysynergy_relations import RelationManyToManyField, RelationManyToOneField
from .relation import RelationField

__all__ = ["RelationField", "RelationManyToOneField", "RelationManyToManyField"]

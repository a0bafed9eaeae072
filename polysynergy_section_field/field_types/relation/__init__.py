"""Relation field types: links to entries of another section, and the reverse side."""

from .one_to_many import RelationOneToManyField
from .polysynergy_relations import RelationManyToManyField, RelationManyToOneField
from .relation import RelationField

__all__ = ["RelationField", "RelationManyToOneField", "RelationManyToManyField", "RelationOneToManyField"]

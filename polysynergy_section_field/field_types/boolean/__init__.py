"""Boolean field type."""

from .boolean import BooleanField

__all__ = ["BooleanField"]

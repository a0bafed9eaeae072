"""Media field types: references to stored images and files."""

from .file import FileField
from .image import ImageField

__all__ = ["FileField", "ImageField"]

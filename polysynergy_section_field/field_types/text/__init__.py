"""Text field types: single line, multi-line and slug."""

from .slug import SlugField
from .text import TextField
from .text_area import TextAreaField

__all__ = ["TextField", "TextAreaField", "SlugField"]

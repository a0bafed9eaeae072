"""Date and time field types."""

from .date import DateField
from .datetime import DateTimeField
from .time import TimeField

__all__ = ["DateField", "DateTimeField", "TimeField"]

"""Choice field types: one option or several."""

from .multi_select import MultiSelectField
from .select import SelectField

__all__ = ["SelectField", "MultiSelectField"]

"""The built-in field-type catalogue: 21 types in seven families.

Each family is a package (``text``, ``number``, ``boolean``, ``date``, ``select``,
``relation``, ``advanced``) with one module per type. Modules whose names start
with an underscore hold shared helpers; they are not part of the plugin API.
"""

from .advanced import ColorField, EmailField, JsonField, PhoneField, UrlField
from .boolean import BooleanField
from .date import DateField, DateTimeField, TimeField
from .number import CurrencyField, DecimalField, IntegerField, NumberField, PercentageField
from .relation import RelationField, RelationOneToManyField
from .select import MultiSelectField, SelectField
from .text import SlugField, TextAreaField, TextField

BUILTIN_FIELD_TYPES: list = [
    TextField,
    TextAreaField,
    NumberField,
    IntegerField,
    DecimalField,
    BooleanField,
    DateField,
    DateTimeField,
    TimeField,
    SelectField,
    MultiSelectField,
    RelationField,
    RelationOneToManyField,
    JsonField,
    EmailField,
    UrlField,
    SlugField,
    PhoneField,
    ColorField,
    CurrencyField,
    PercentageField,
]

__all__ = ["BUILTIN_FIELD_TYPES", *(cls.__name__ for cls in BUILTIN_FIELD_TYPES)]

"""The built-in field-type catalogue: 25 types in eight families.

Each family is a package (``text``, ``number``, ``boolean``, ``date``, ``select``,
``relation``, ``advanced``, ``media``) with one module per type. Modules whose names
start with an underscore hold shared helpers; they are not part of the plugin API.
The catalogue holds every handle of PolySynergy's own package of this name: its API
loads the FieldType subclasses exported here (``dir()`` of this module).
"""

from .advanced import ColorField, EmailField, JsonField, PhoneField, UrlField
from .boolean import BooleanField
from .date import DateField, DateTimeField, TimeField
from .media import FileField, ImageField
from .number import CurrencyField, DecimalField, IntegerField, NumberField, PercentageField
from .relation import RelationField, RelationManyToManyField, RelationManyToOneField, RelationOneToManyField
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
    RelationManyToOneField,
    RelationManyToManyField,
    RelationOneToManyField,
    JsonField,
    EmailField,
    UrlField,
    SlugField,
    PhoneField,
    ColorField,
    CurrencyField,
    PercentageField,
    ImageField,
    FileField,
]

__all__ = ["BUILTIN_FIELD_TYPES", *(cls.__name__ for cls in BUILTIN_FIELD_TYPES)]

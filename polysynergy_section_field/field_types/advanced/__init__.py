"""Advanced field types: JSON and formatted strings."""

from .color import ColorField
from .email import EmailField
from .json import JsonField
from .phone import PhoneField
from .url import UrlField

__all__ = ["JsonField", "EmailField", "UrlField", "PhoneField", "ColorField"]

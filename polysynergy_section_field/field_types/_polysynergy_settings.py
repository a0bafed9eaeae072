"""PolySynergy's settings of the handles it shares with us (not part of the plugin API).

PolySynergy stores some settings under other names (``minDate`` for our ``min``): those
are *aliases*, copied to our name when a field is configured (both are stored, so
PolySynergy's screens read theirs). Others only steer its portal (``editorType``,
``searchable``): those are *hints*, accepted and stored, not enforced. A few are
accepted with the one value our engine implements (``allowMultiple: false``).
"""

from __future__ import annotations

from ._common import prop

HINT = " A display hint for PolySynergy's portal; stored, not enforced."
DATE_FORMATS = ["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY"]
TIME_FORMATS = ["HH:mm", "HH:mm:ss", "hh:mm A"]


def hint(type_: str, title: str, **extra) -> dict:
    return prop(type_, title, title + "." + HINT, **extra)


def alias(ours: str, type_, title: str, **extra) -> dict:
    return prop(type_, title, f"PolySynergy's name of '{ours}' (kept equal to it).", **extra)


def only(value, title: str, why: str) -> dict:
    return prop(None, title, why, enum=[value], default=value)


#: handle -> (PolySynergy's extra settings as JSON Schema properties, their name -> ours).
POLYSYNERGY_SETTINGS: dict[str, tuple[dict, dict]] = {
    "textarea": ({"editorType": hint("string", "Editor type", enum=["plain", "rich", "markdown"], default="plain")},
                 {}),
    "boolean": ({"defaultValue": alias("default", "boolean", "Default")}, {"defaultValue": "default"}),
    "date": ({"format": hint("string", "Date format", enum=DATE_FORMATS, default="YYYY-MM-DD"),
              "minDate": alias("min", "string", "Earliest date"), "maxDate": alias("max", "string", "Latest date")},
             {"minDate": "min", "maxDate": "max"}),
    "datetime": ({"dateFormat": hint("string", "Date format", enum=DATE_FORMATS, default="YYYY-MM-DD"),
                  "timeFormat": hint("string", "Time format", enum=TIME_FORMATS, default="HH:mm"),
                  "timezone": hint("boolean", "Show the time zone", default=True)}, {}),
    "time": ({"format": hint("string", "Time format", enum=TIME_FORMATS, default="HH:mm"),
              "step": hint("integer", "Minute step", enum=[1, 5, 15, 30, 60], default=15)}, {}),
    "select": ({"allowEmpty": hint("boolean", "Allow empty", default=True),
                "searchable": hint("boolean", "Searchable", default=False)}, {}),
    "multi_select": ({"minSelections": alias("minItems", "integer", "Fewest selections", minimum=0),
                      "maxSelections": alias("maxItems", "integer", "Most selections", minimum=1),
                      "searchable": hint("boolean", "Searchable", default=True)},
                     {"minSelections": "minItems", "maxSelections": "maxItems"}),
    "email": ({"allowMultiple": only(False, "Multiple addresses", "One address per field."),
               "domainRestriction": prop("string", "Domain", "Only addresses at this domain (example.com).",
                                         pattern=r"^[a-zA-Z0-9][a-zA-Z0-9.-]{0,251}\.[a-zA-Z]{2,}$")}, {}),
    "url": ({"allowedProtocols": alias("allowedSchemes", "array", "Allowed protocols", minItems=1,
                                       uniqueItems=True, items={"type": "string", "pattern": "^[a-z][a-z0-9+.-]*$"}),
             "requireProtocol": only(True, "Require protocol", "A URL starts with its scheme."),
             "openInNewTab": hint("boolean", "Open in a new tab", default=True)},
            {"allowedProtocols": "allowedSchemes"}),
    "phone": ({"format": hint("string", "Display format", enum=["international", "national", "E.164"],
                              default="international"),
               "defaultCountry": hint("string", "Default country (ISO code)", pattern="^[A-Z]{2}$"),
               "showCountrySelector": hint("boolean", "Country selector", default=True)}, {}),
    "slug": ({"autoGenerate": hint("boolean", "Generate from another field", default=True),
              "sourceField": hint("string", "Source field", maxLength=63),
              "allowEdit": hint("boolean", "Editable", default=True),
              "prefix": hint("string", "Prefix", pattern="^[a-z0-9-]*$", maxLength=100)}, {}),
    "color": ({"format": only("hex", "Format", "Colours are stored as #rrggbb."),
               "allowAlpha": only(False, "Alpha", "Colours are stored without alpha."),
               "presetColors": alias("presets", "array", "Preset colours", uniqueItems=True, maxItems=64,
                                     items={"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"})},
              {"presetColors": "presets"}),
    "json": ({"editorMode": hint("string", "Editor mode", enum=["visual", "code", "both"], default="both"),
              "prettify": hint("boolean", "Prettify", default=True)}, {}),
    "currency": ({"displayFormat": hint("string", "Display format", enum=["symbol", "code", "name"], default="symbol"),
                  "decimalPlaces": alias("scale", "integer", "Decimal places", minimum=0, maximum=1000),
                  "allowNegative": prop("boolean", "Allow negative", "False: amounts are at least 0.", default=True),
                  "minValue": alias("min", "number", "Minimum"), "maxValue": alias("max", "number", "Maximum")},
                 {"decimalPlaces": "scale", "minValue": "min", "maxValue": "max"}),
    "percentage": ({"decimalPlaces": hint("integer", "Decimals shown", minimum=0, maximum=4, default=2),
                    "minValue": alias("min", "number", "Minimum"), "maxValue": alias("max", "number", "Maximum"),
                    "showSlider": hint("boolean", "Slider", default=False), "step": hint("number", "Step", default=1)},
                   {"minValue": "min", "maxValue": "max"}),
}


def extend_schema(handle: str, schema: dict | None) -> dict | None:
    """The schema with PolySynergy's extra settings of ``handle`` beside ours."""
    extra = POLYSYNERGY_SETTINGS.get(handle)
    if extra is None or schema is None:
        return schema
    return {**schema, "properties": {**schema.get("properties", {}), **extra[0]}}


def aliases(handle: str) -> dict:
    return POLYSYNERGY_SETTINGS.get(handle, ({}, {}))[1]

"""A star rating field type: the example from docs/field-type-plugins.md (tested)."""

from psycopg import sql

from polysynergy_section_field import CheckRule, FieldType, field_type


@field_type(category="custom", icon="rating.svg")
class RatingField(FieldType):
    handle = "rating"
    label = "Rating"
    postgres_type = "smallint"
    ui_component = "star-rating"
    description = "A rating from 1 to N stars."
    settings_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "stars": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5,
                      "title": "Stars", "description": "Highest rating."},
        },
    }

    def parse_value(self, value, settings=None):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number of stars")
        return value

    def check_value(self, value, settings):
        stars = settings.get("stars", 5)
        if not 1 <= value <= stars:
            return f"must be between 1 and {stars} stars (got {value})"
        return None

    def check_rules(self, column, settings=None):
        stars = (settings or {}).get("stars", 5)
        rule = sql.SQL("{col} IS NULL OR {col} BETWEEN 1 AND {stars}").format(
            col=sql.Identifier(column), stars=sql.Literal(stars)
        )
        return [CheckRule("range", rule)]

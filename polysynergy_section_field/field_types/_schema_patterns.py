"""A JSON Schema validator whose patterns cannot stall a write.

``jsonschema`` evaluates ``pattern``, ``patternProperties`` (and through them
``additionalProperties`` and ``unevaluatedProperties``) with Python's backtracking
``re.search``: ``^(a+)+$`` against 27 characters holds the process for seconds. This
validator evaluates the same keywords with ``search_pattern``: RE2 (linear time) wherever
RE2 reads the pattern as Python does, else Python's ``re`` under a hard time limit
(``PatternTimeout``). Verdicts and messages are those of ``Draft202012Validator``.
"""

from __future__ import annotations

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from ._linear_patterns import search_pattern


def _found(pattern: str, text: str) -> bool:
    return search_pattern(pattern).search(text)


def _valid(validator, instance, schema) -> bool:
    return next(validator.descend(instance, schema), None) is None


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _found(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            if _found(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _extra_keys(instance: dict, schema: dict) -> list:
    """Keys neither ``properties`` nor a ``patternProperties`` pattern covers."""
    named = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [key for key in instance
            if key not in named and not any(_found(pattern, key) for pattern in patterns)]


def _additional_properties(validator, additional, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    extras = _extra_keys(instance, schema)
    if validator.is_type(additional, "object"):
        for key in extras:
            yield from validator.descend(instance[key], additional, path=key)
    elif not additional and extras:
        listed = ", ".join(repr(key) for key in sorted(extras))
        if "patternProperties" in schema:
            patterns = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            verb = "does" if len(extras) == 1 else "do"
            yield ValidationError(f"{listed} {verb} not match any of the regexes: {patterns}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(f"Additional properties are not allowed ({listed} {verb} unexpected)")


def _evaluated_keys(validator, instance: dict, schema) -> set:
    """The keys of ``instance`` that ``schema`` evaluates (the keywords
    ``unevaluatedProperties`` looks through, in place and through references)."""
    if not isinstance(schema, dict):
        return set()
    keys: set = set()
    for keyword in ("$ref", "$dynamicRef"):
        reference = schema.get(keyword)
        if reference is not None:
            resolved = validator._resolver.lookup(reference)  # noqa: SLF001 - as jsonschema itself resolves
            inner = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
            keys |= _evaluated_keys(inner, instance, resolved.contents)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        keys |= properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if keyword in schema:
            keys |= {key for key, value in instance.items() if _valid(validator, value, schema[keyword])}
    for pattern in schema.get("patternProperties", {}):
        keys |= {key for key in instance if _found(pattern, key)}
    for key, subschema in schema.get("dependentSchemas", {}).items():
        if key in instance:
            keys |= _evaluated_keys(validator, instance, subschema)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if _valid(validator, instance, subschema):
                keys |= _evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys |= _evaluated_keys(validator, instance, schema["if"])
            keys |= _evaluated_keys(validator, instance, schema.get("then"))
        else:
            keys |= _evaluated_keys(validator, instance, schema.get("else"))
    return keys


def _unevaluated_properties(validator, unevaluated, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    evaluated = _evaluated_keys(validator, instance, schema)
    unexpected = [key for key in instance if key not in evaluated
                  and not _valid(validator, instance[key], unevaluated)]
    if unexpected:
        verb = "was" if len(unexpected) == 1 else "were"
        if unevaluated is False:  # sorted here, in the instance's order below: as jsonschema words them
            listed = ", ".join(repr(key) for key in sorted(unexpected))
            yield ValidationError(f"Unevaluated properties are not allowed ({listed} {verb} unexpected)")
        else:
            listed = ", ".join(repr(key) for key in unexpected)
            yield ValidationError(f"Unevaluated properties are not valid under the given schema "
                                  f"({listed} {verb} unevaluated and invalid)")


LinearPatternValidator = validators.extend(Draft202012Validator, {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "unevaluatedProperties": _unevaluated_properties,
})

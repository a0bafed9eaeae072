"""Idempotence over generated models (Hypothesis): every built-in field type, with settings
drawn from its own settings schema and random layout, required/unique flags and labels.

For each model built in a development database: export, apply to an empty database, export
again: the same file; plan the file again there: no change. Each example makes two
databases, so the example count is small.
"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_section_field import registered_field_types

#: Types whose settings name other sections: built with targets the model has.
RELATION_TYPES = {"relation", "relation_many_to_one", "relation_many_to_many", "relation_one_to_many"}
PLAIN_TYPES = sorted(cls.handle for cls in registered_field_types if cls.handle not in RELATION_TYPES)
WORDS = st.text(alphabet=string.ascii_letters + " éß", min_size=1, max_size=12).filter(str.strip)
LABELS = st.text(min_size=1, max_size=20).filter(lambda t: t.strip() and "\x00" not in t)


def _value(schema: dict):
    """A value for one settings property, from its JSON Schema (None: none drawn for it)."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = max(schema.get("minimum", -50), -50)
        return st.integers(low, max(low, min(schema.get("maximum", 500), 500)))
    if kind == "number":
        low = max(schema.get("minimum", -100), -100)
        return st.integers(int(low), int(min(schema.get("maximum", 100), 100))).map(float)
    if kind == "string" and "pattern" not in schema:
        return WORDS.map(lambda w: w[:schema.get("maxLength", 12)])
    if kind == "array":
        items = schema.get("items") or {}
        items = (items.get("anyOf") or [items])[0]
        inner = _value(items)
        if inner is not None:
            return st.lists(inner, min_size=max(1, schema.get("minItems", 1)), max_size=4, unique=True)
    return None


def settings_for(handle: str):
    schema = next(cls for cls in registered_field_types if cls.handle == handle)().settings_schema or {}
    drawn = {k: v for k, v in ((k, _value(p)) for k, p in (schema.get("properties") or {}).items()) if v is not None}
    required = set(schema.get("required") or ())
    return st.fixed_dictionaries({k: v for k, v in drawn.items() if k in required},
                                 optional={k: v for k, v in drawn.items() if k not in required})


def field_options():
    return st.fixed_dictionaries({
        "label": LABELS, "help_text": st.none() | WORDS, "placeholder": st.none() | WORDS,
        "tab_name": st.sampled_from(["Content", "Meta", "Über"]), "ui_width": st.sampled_from(["full", "half", "third",
                                                                                                "quarter"]),
        "is_visible": st.booleans(), "is_required": st.booleans(), "is_unique": st.booleans(),
    })


@st.composite
def models(draw):
    """Plain fields of every type (in a random order) on ``beta``; every relation type on
    ``alpha`` (targeting beta), a reverse field on beta, and maybe a relation back (a circle)."""
    plain = draw(st.permutations(PLAIN_TYPES))
    fields = [("beta", f"f_{t}", t, draw(settings_for(t)), draw(field_options())) for t in plain]
    fields += [
        ("alpha", "one", "relation", {"targetSection": "beta"}, draw(field_options())),
        ("alpha", "many", "relation", {"targetSection": "beta", "allowMultiple": True,
                                       "maxItems": draw(st.integers(1, 9))}, draw(field_options())),
        ("alpha", "m2o", "relation_many_to_one", {"targetSection": "beta", "displayField": "f_text"},
         draw(field_options())),
        ("alpha", "m2m", "relation_many_to_many", {"targetSection": "beta"}, draw(field_options())),
        ("beta", "listed_by", "relation_one_to_many", {"relatedSection": "alpha", "relatedField": "one",
                                                       "sortOrder": draw(st.sampled_from(["ASC", "DESC"]))},
         draw(field_options())),
    ]
    if draw(st.booleans()):
        fields.append(("beta", "back", "relation", {"targetSection": "alpha"}, draw(field_options())))
    return {"fields": fields, "title": draw(st.sampled_from(["f_text", "f_slug", None])),
            "search": draw(st.sampled_from([["f_text"], ["f_text", "f_textarea"], None]))}


def build(engine: ContentEngine, model: dict) -> dict:
    """The model in ``engine``: a field whose drawn settings or flags its type refuses is added
    with plain ones instead, so every type is always there. Returns type -> settings kept."""
    engine.create_section("alpha", "Alpha")
    engine.create_section("beta", "Beta", description="generated")
    kept = {}
    for section, handle, type_handle, field_settings, options in model["fields"]:
        try:
            engine.add_field(section, handle, field_type_handle=type_handle, field_settings=field_settings, **options)
            kept[type_handle] = field_settings
        except InvalidInput:
            plain = dict(options, is_required=False, is_unique=False)
            required_only = {k: v for k, v in field_settings.items() if k in ("options", "targetSection",
                                                                                "relatedSection", "relatedField")}
            engine.add_field(section, handle, field_type_handle=type_handle, field_settings=required_only, **plain)
    engine.update_section("beta", {"title_field_handle": model["title"], "search_fields": model["search"]})
    return kept


@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(model=models())
def test_generated_models_promote_idempotently(new_database, model):
    dev = ContentEngine(new_database())
    dev.install()
    kept = build(dev, model)
    assert dev.apply_schema(dev.export_schema(), confirm=True)["done"]
    text = dev.export_schema()
    assert {f["field_type_handle"] for s in dev.list_sections() for f in s["fields"]} == {
        cls.handle for cls in registered_field_types}
    assert any(kept.values()), "no drawn settings were kept at all"

    prod = ContentEngine(new_database())
    prod.install()
    prod.apply_schema(text, confirm=True)
    assert prod.export_schema() == text
    again = prod.plan_schema(text, prune=True)
    assert again["changes"] is False, again["operations"]
    assert not any(m["changes"] for m in again["migrations"])


@st.composite
def changes(draw):
    """Renames of a few plain fields, a removal, and a type change (text -> textarea)."""
    candidates = [t for t in PLAIN_TYPES if t != "text"]
    renamed = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=3, unique=True))
    removed = draw(st.sampled_from([t for t in candidates if t not in renamed]))
    return {"renamed": renamed, "removed": removed}


@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(model=models(), change=changes())
def test_a_rename_a_type_change_and_a_removal_promote_in_one_go(new_database, model, change):
    dev = ContentEngine(new_database())
    dev.install()
    build(dev, model)
    dev.apply_schema(dev.export_schema(), confirm=True)
    prod = ContentEngine(new_database())
    prod.install()
    prod.apply_schema(dev.export_schema(), confirm=True)

    fields = {f["handle"]: f for f in dev.get_section("beta")["fields"]}
    ids = {t: fields[f"f_{t}"]["id"] for t in change["renamed"]}
    for t in change["renamed"]:
        dev.update_field(ids[t], {"handle": f"renamed_{t}"})
    dev.update_field(fields["f_text"]["id"], {"field_type_handle": "textarea", "field_settings": {}})
    dev.remove_field("beta", f"f_{change['removed']}")
    dev.apply_schema(dev.export_schema(), confirm=True)
    text = dev.export_schema()

    review = prod.plan_schema(text, prune=True)
    actions = {(op["action"], op.get("field")) for op in review["operations"]}
    assert {("rename_field", f"renamed_{t}") for t in change["renamed"]} <= actions
    assert ("update_field", "f_text") in actions and ("remove_field", f"f_{change['removed']}") in actions
    assert not any(op["action"] == "create_field" for op in review["operations"])  # renames are not drop + add
    prod.apply_schema(text, prune=True, confirm=True)
    assert prod.export_schema() == text
    assert prod.plan_schema(text, prune=True)["changes"] is False
    kept = {f["handle"]: f["id"] for f in prod.get_section("beta")["fields"]}
    assert all(kept[f"renamed_{t}"] == ids[t] for t in change["renamed"])

"""Rule patterns through real writes: the engine and the CHECKs the migration created agree on
every pattern × value; patterns outside the common subset are refused when a rule is
defined (naming the field, the rule and the construct); and a write the CHECK refuses
anyway comes back, on every write path, as the rule's own message naming the field."""

from __future__ import annotations

import io
import json

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.transfer import stream as transfer

#: field -> pattern; each field's rule has the message "<field> is refused".
PATTERNS = {
    "p_code": r"^[A-Z]{2}[0-9]+$",
    "p_dollar": r"^ab$",
    "p_dot": r"^a.b$",
    "p_digit": r"^\d+$",
    "p_word": r"^\w+$",
    "p_space": r"\s",
    "p_set": r"^[a-]+$",
    "p_percent": r"^[0-9]+%$",
    "p_quote": r"^it's$",
    "p_alt": r"^(ab|cd)*?e$",
    "p_escaped": r"^\.\*\\$",
    "p_negated": r"^[^_0-9]+$",
}
VALUES = ["AB12", "ab", "ab\n", "a\nb", "a.b", "12", "١٢", "é_1", "a b", "a\u00a0b", "a-", "50%", "5%0", "it's",
          "abcde", "e", ".*\\", "\n", "x", "ǅ", "a_b"]


def _fields(engine, section_id) -> dict:
    return {f["handle"]: f for f in engine.get_section(section_id)["fields"]}


@pytest.fixture
def samples(engine, build, raw):
    section = build(engine, "samples", [(name, "text", {}, False, False) for name in PATTERNS])
    engine.create_entry("samples", {})  # a row, so the migration counts rule breakers and validates later
    for handle, field in _fields(engine, section["id"]).items():
        engine.update_field(field["id"], {"custom_validation_rules": [
            {"rule": {"_regex": PATTERNS[handle]}, "message": f"{handle} is refused"}]})
    plan = engine.plan_migration("samples")
    assert len([op for op in plan["operations"] if op["kind"] == "add_rule_check"]) == len(PATTERNS)
    assert "~ '^[0-9]+%$'" in plan["sql"] and "~ '^[0-9]+$'" in plan["sql"]  # \d written as [0-9]
    engine.apply_migration(plan["id"], confirm=True)
    return "samples"


def _engine_accepts(engine, field: str, value: str) -> bool:
    try:
        engine.create_entry("samples", {field: value})
    except InvalidInput as exc:
        assert exc.errors == [{"field": field, "message": f"{field} is refused"}], exc
        return False
    return True


def _check_accepts(raw, field: str, value: str) -> bool:
    try:
        with raw.transaction():
            raw.execute(psycopg.sql.SQL("INSERT INTO custom.samples ({}) VALUES (%s)").format(
                psycopg.sql.Identifier(field)), (value,))
            raise _Undo()
    except _Undo:
        return True
    except psycopg.errors.CheckViolation:
        return False


class _Undo(Exception):
    pass


def test_engine_and_the_migrated_checks_agree_on_every_value(engine, samples, raw):
    verdicts = {}
    for field in PATTERNS:
        for value in VALUES:
            engine_says, check_says = _engine_accepts(engine, field, value), _check_accepts(raw, field, value)
            assert engine_says == check_says, (field, PATTERNS[field], value, engine_says, check_says)
            verdicts[field, value] = engine_says
    # The verdicts are the ones meant (both sides could agree on nonsense).
    assert verdicts["p_dollar", "ab"] and not verdicts["p_dollar", "ab\n"]
    assert verdicts["p_dot", "a\nb"] and verdicts["p_dot", "a.b"]
    assert verdicts["p_digit", "12"] and not verdicts["p_digit", "١٢"]
    assert not verdicts["p_word", "é_1"] and verdicts["p_word", "a_b"]
    assert verdicts["p_space", "a b"] and not verdicts["p_space", "a\u00a0b"]
    assert verdicts["p_percent", "50%"] and not verdicts["p_percent", "5%0"]
    assert verdicts["p_escaped", ".*\\"] and verdicts["p_quote", "it's"] and verdicts["p_alt", "abcde"]
    assert not verdicts["p_negated", "a_b"] and verdicts["p_negated", "x"] and not verdicts["p_negated", "12"]


REFUSED = [
    (r"\bword\b", r"'\b'", "word boundary"),
    (r"^abc\Z", r"'\Z'", "write $"),
    (r"\Aabc", r"'\A'", "write ^"),
    (r"(?P<year>[0-9]{4})", "named group", "(?:...)"),
    (r"(?i)abc", "'(?i'", "inline flags"),
    (r"a(?i:b)", "'(?i'", "inline flags"),
    (r"[0-9]*+x", "'[0-9]*+'", "possessive"),
    (r"(?>ab|a)c", "atomic group", "no atomic"),
    (r"(?<=a)b", "'(?<=...)'", "lookaround"),
    (r"(?!a)b", "'(?!...)'", "lookaround"),
    (r"a{,2}", "'{'", "{,m}"),
    (r"a{1,300}", "'{1,300}'", "at most 255"),
    (r"[[:alpha:]]", "'[' in a set", "collating"),
    (r"(a)\1", r"'\1'", "back references"),
    (r"[^\D]", r"'\D' in a set", "negated class"),
    (r"\x41", r"'\x'", "hex escape"),
    (r"\p{L}", r"'\p'", "property"),
    (r"\y", r"'\y'", "PostgreSQL only"),
    (r"*abc", "'*'", "repeats nothing"),
    (r"^*", "'*'", "anchor"),
    (r"[]a]", "'[]'", r"write \]"),
    (r"[a-z-0]", "'-' in a set", r"\-"),
    (r"[z-a]", "range 'z'-'a'", "backwards"),
    (r"ab)", "')'", "not opened"),
    (r"(ab", "'('", "not closed"),
    ("ab\\", "trailing", "escapes nothing"),
    ("(" * 51 + "a" + ")" * 51, "'('", "nest at most 50"),
    (r"(a{1,200}){1,10}", "'{1,10}'", "multiply beyond 1000"),  # RE2's limit
]


@pytest.mark.parametrize("pattern,construct,reason", REFUSED)
def test_a_field_rule_outside_the_subset_is_refused(engine, build, pattern, construct, reason):
    section = build(engine, "codes", [("code", "text", {}, False, False)])
    code = _fields(engine, section["id"])["code"]
    engine.update_field(code["id"], {"custom_validation_rules": [
        {"rule": {"_regex": "^[A-Z]+$"}, "message": "capitals"}]})
    with pytest.raises(InvalidInput) as info:
        engine.update_field(code["id"], {"custom_validation_rules": [
            {"rule": {"_starts_with": "A"}, "message": "starts with A"},
            {"rule": {"_regex": pattern}, "message": "the code rule"}]})
    text = str(info.value)
    assert info.value.field == "code"
    assert "field 'code': rule 1 ('the code rule'), pattern on field 'code'" in text
    assert construct in text and reason in text, text
    # Nothing was stored: the earlier rule still holds.
    assert _fields(engine, section["id"])["code"]["custom_validation_rules"] == [
        {"rule": {"_regex": "^[A-Z]+$"}, "message": "capitals"}]


def test_section_rules_and_new_fields_are_checked_too(engine, build):
    build(engine, "codes", [("code", "text", {}, False, False), ("other", "text", {}, False, False)])
    with pytest.raises(InvalidInput, match=r"section validation_rules: rule 0 \('pairs'\), pattern on field "
                                           r"'other' uses '\\b'") as info:
        engine.update_section("codes", {"validation_rules": [
            {"rule": {"_or": [{"code": {"_null": True}}, {"other": {"_regex": r"\bx"}}]}, "message": "pairs"}]})
    assert info.value.field == "validation_rules"
    assert engine.get_section("codes")["validation_rules"] is None
    # RE2 (the engine's linear-time check) compiles every accepted pattern when the rule is
    # defined: nested counts multiplying beyond its limit of 1000 are refused, naming the count.
    nested = "((((((a{1,200}){1,200}){1,200}){1,200}){1,200}){1,200})"
    with pytest.raises(InvalidInput, match=r"uses '\{1,200\}': nested repetition counts multiply beyond 1000"):
        engine.update_section("codes", {"validation_rules": [{"rule": {"code": {"_regex": nested}}, "message": "m"}]})
    # So does PostgreSQL: one RE2 takes but PostgreSQL finds too complex is refused too.
    wide = "((a|b){1,250}){1,4}" * 30
    with pytest.raises(InvalidInput, match="PostgreSQL refuses it .*too complex"):
        engine.update_section("codes", {"validation_rules": [{"rule": {"code": {"_regex": wide}}, "message": "m"}]})
    # The CLI's JSON text takes the same path.
    with pytest.raises(InvalidInput, match="named group"):
        engine.update_section("codes", {"validation_rules": json.dumps(
            [{"rule": {"code": {"_regex": "(?P<x>a)"}}, "message": "m"}])})


def test_a_stored_pattern_outside_the_subset_is_said_not_guessed(engine, build, raw):
    """A rule stored before patterns were checked (written into the table directly here):
    the plan keeps it out of the CHECKs, and a write tells what to change."""
    section = build(engine, "codes", [("code", "text", {}, False, False)])
    raw.execute("UPDATE public.section_fields SET custom_validation_rules = %s::jsonb WHERE id = %s",
                (json.dumps([{"rule": {"_regex": r"\bA"}, "message": "word A"},
                             {"rule": {"_regex": "A"}, "message": "an A"}]),
                 _fields(engine, section["id"])["code"]["id"]))
    raw.execute("UPDATE public.sections SET config_version = config_version + 1 WHERE handle = 'codes'")
    engine.entries.invalidate()
    plan = engine.plan_migration("codes")
    rule_ops = [op for op in plan["operations"] if "rule" in op["kind"]]
    assert [op["kind"] for op in rule_ops] == ["add_rule_check", "rule_in_engine_only"]
    assert "an A" in rule_ops[0]["description"] and "word A" in rule_ops[1]["description"]
    assert "\\bA" not in plan["sql"]
    with pytest.raises(InvalidInput, match=r"validation rule on 'code': the pattern '\\\\bA' uses '\\b'"):
        engine.create_entry("codes", {"code": "A"})
    engine.create_entry("codes", {})  # a null value passes the rule, as in a CHECK


def test_a_value_with_a_lone_surrogate_is_refused_naming_the_field(engine, build):
    """RE2 reads UTF-8, which a lone surrogate is not (PostgreSQL could not store it either)."""
    build(engine, "codes", [("code", "text", {}, False, False)])
    code = _fields(engine, engine.get_section("codes")["id"])["code"]
    engine.update_field(code["id"], {"custom_validation_rules": [{"rule": {"_regex": "^A"}, "message": "an A"}]})
    stored = engine.create_entry("codes", {"code": "AB"})
    writes = [lambda: engine.create_entry("codes", {"code": "A\ud800"}),
              lambda: engine.create_entries("codes", [{"code": "AC"}, {"code": "A\ud800"}]),
              lambda: engine.update_entry("codes", stored["id"], {"code": "A\ud800"}),
              lambda: engine.update_entries("codes", {"code": "AB"}, {"code": "A\ud800"}, confirm=True)]
    for write in writes:
        with pytest.raises(InvalidInput, match="lone surrogate") as info:
            write()
        assert info.value.field == "code", (info.value.field, str(info.value))
    assert [e["code"] for e in engine.query_entries("codes")["entries"]] == ["AB"]


@pytest.fixture
def letters(engine, build, raw):
    """``code`` (unique) with the rule "letters only" applied as a CHECK, then changed in the
    configuration (not applied yet) to allow digits: the engine lets "AB1" through, the live
    CHECK refuses it."""
    section = build(engine, "letters", [("code", "text", {}, False, True), ("n", "integer", {}, False, False)])
    code = _fields(engine, section["id"])["code"]
    engine.update_field(code["id"], {"custom_validation_rules": [{"rule": {"_regex": "^[A-Z]+$"},
                                                                  "message": "letters only"}]})
    engine.apply_migration(engine.plan_migration("letters")["id"], confirm=True)
    engine.create_entries("letters", [{"code": "AB", "n": 1}, {"code": "CD", "n": 2}])
    engine.update_field(code["id"], {"custom_validation_rules": [{"rule": {"_regex": "^[A-Z0-9]+$"},
                                                                  "message": "letters or digits"}]})
    return "letters"


def test_a_check_refusal_is_the_rules_message_on_every_write_path(engine, letters, raw):
    said = "field 'code': letters only"
    with pytest.raises(InvalidInput, match=said) as info:
        engine.create_entry(letters, {"code": "AB1"})
    assert info.value.errors == [{"field": "code", "message": "letters only"}]
    existing = engine.query_entries(letters, filters={"code": "AB"})["entries"][0]
    with pytest.raises(InvalidInput, match=said):
        engine.update_entry(letters, existing["id"], {"code": "AB1"})
    with pytest.raises(InvalidInput, match=f"item 1: {said}") as info:
        engine.create_entries(letters, [{"code": "EF"}, {"code": "GH1"}])
    assert info.value.field == "code"
    with pytest.raises(InvalidInput, match=said):
        engine.create_entries(letters, [{"code": "AB", "n": 5}, {"code": "ZZ9"}], on_conflict="code")
    with pytest.raises(InvalidInput, match=said):
        engine.update_entries(letters, {"n": {"_gte": 1}}, {"code": "X1"}, confirm=True)
    data = "\n".join(json.dumps(r) for r in [{"code": "IJ"}, {"code": "KL2"}]).encode()
    with pytest.raises(InvalidInput, match="letters only"):
        transfer.import_entries(engine, letters, io.BytesIO(data), "jsonl")
    # All-or-nothing everywhere: the two first entries are all there is, unchanged.
    assert sorted(r[0] for r in raw.execute("SELECT code FROM custom.letters")) == ["AB", "CD"]
    # Once the changed rule is applied the same write goes through.
    engine.apply_migration(engine.plan_migration(letters)["id"], confirm=True)
    assert engine.create_entry(letters, {"code": "AB1"})["code"] == "AB1"

"""Two databases that differ only in a section the scope hides, and inputs that probe it.

World "A" and world "B" hold the same served sections (``articles``, ``topics``: same
ids, values and timestamps) and a hidden ``people`` section with the same entry ids but
other values. A caller scoped to the served sections must get exactly the same answer
from both worlds for every input (a result, a count, an error): anything else means a
value of the hidden section reached it. The hidden values are also searched for in every
answer, and so is ``vault_note``, a hidden field no generated input names (so it can only
appear in an answer by listing the hidden section's fields).
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import ContentError

SERVED = ("articles", "topics")
STAMP = "2026-01-02T03:04:05+00:00"
PEOPLE = ["6f1c1e52-0000-4000-8000-00000000000" + str(i) for i in range(3)]
TOPICS = ["6f1c1e52-0000-4000-8000-00000000010" + str(i) for i in range(2)]
ARTICLES = ["6f1c1e52-0000-4000-8000-00000000020" + str(i) for i in range(4)]
TARGET_ARTICLE = ARTICLES[0]
HIDDEN_FIELD = "vault_note"

#: Each world's hidden people. World A's secrets start with "T", world B's with "U".
HIDDEN_VALUES = {
    "A": [{"name": f"Ada Hidden-A{i}", "email": f"ada{i}.hidden-a@people.test", "secret": f"Tango-hidden-A{i}",
           "pin_code": f"pin-hidden-A{i}", HIDDEN_FIELD: f"note-hidden-A{i}"} for i in range(3)],
    "B": [{"name": f"Bob Hidden-B{i}", "email": f"bob{i}.hidden-b@people.test", "secret": f"Uniform-hidden-B{i}",
           "pin_code": f"pin-hidden-B{i}", HIDDEN_FIELD: f"note-hidden-B{i}"} for i in range(3)],
}
MARKERS = ("hidden-a", "hidden-b", "Hidden-A", "Hidden-B", HIDDEN_FIELD)


def _section(engine, handle: str, fields: list, title: str) -> None:
    section = engine.create_section(handle, handle.title())
    for name, kind, settings, unique in fields:
        engine.add_field(section["id"], name, None, kind, settings, is_unique=unique)
    engine.update_section(section["id"], {"title_field_handle": title})
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)


def _stamped(entry_id: str, values: dict) -> dict:
    return {"id": entry_id, "created_at": STAMP, "updated_at": STAMP, **values}


ARTICLE_VALUES = [
    {"title": f"article {i}", "author": PEOPLE[i % 3] if i < 3 else None, "topic": TOPICS[i % 2],
     "reviewers": PEOPLE[: i % 3]} for i in range(4)
]


def build_world(url: str, variant: str) -> None:
    """The sections and entries of world ``variant`` ("A" or "B") in the empty database ``url``."""
    engine = ContentEngine(url)
    engine.install()
    text = {}
    _section(engine, "people", [(h, "text", text, h in ("name", "email"))
                                for h in ("name", "email", "secret", "pin_code", HIDDEN_FIELD)], "name")
    _section(engine, "topics", [("label", "text", text, True),
                                ("owner", "relation", {"targetSection": "people"}, False)], "label")
    _section(engine, "articles", [("title", "text", text, True),
                                  ("author", "relation", {"targetSection": "people"}, False),
                                  ("topic", "relation", {"targetSection": "topics"}, False),
                                  ("reviewers", "relation", {"targetSection": "people", "allowMultiple": True},
                                   False)], "title")
    engine.create_entries("people", [_stamped(i, v) for i, v in zip(PEOPLE, HIDDEN_VALUES[variant])], keep_ids=True)
    engine.create_entries("topics", [_stamped(TOPICS[i], {"label": f"topic {i}", "owner": PEOPLE[i]})
                                     for i in range(2)], keep_ids=True)
    engine.create_entries("articles", [_stamped(i, v) for i, v in zip(ARTICLES, ARTICLE_VALUES)], keep_ids=True)


def reset_world(engine) -> None:
    """Undo what the write probes may have done (``engine`` unscoped)."""
    engine.delete_entries("articles", {"title": {"_starts_with": "written "}}, confirm=True)
    # Deleted and written again with its timestamps, so updated_at is as before too.
    if engine.delete_entries("articles", {"id": TARGET_ARTICLE}, confirm=True)["deleted"]:
        engine.create_entries("articles", [_stamped(TARGET_ARTICLE, ARTICLE_VALUES[0])], keep_ids=True)


# -- generated inputs ----------------------------------------------------------------------------
#: What an agent knows or guesses of each section: text fields and relations (handle -> target).
SCHEMA = {
    "articles": (["title"], {"author": "people", "topic": "topics", "reviewers": "people"}),
    "topics": (["label"], {"owner": "people"}),
    "people": (["name", "email", "secret", "pin_code", "nope"], {}),
}
#: Fragments only: a full hidden value could be echoed back by an error about the input.
TEXTS = ["T", "U", "Tango", "Ada", "Bob", "a", "", "topic 0", "article 1"]
TEXT_OPERATORS = ["_eq", "_neq", "_starts_with", "_contains", "_icontains", "_gt", "_lt", "_in", "_nin", "_null"]
WHITESPACE = ["", "", "", " ", "\t", "\n", "  "]


def spelled(key: str):
    """``key`` as given, or with whitespace around it, or in another case."""
    return st.one_of(st.just(key), st.builds(lambda a, b: a + key + b, st.sampled_from(WHITESPACE),
                                            st.sampled_from(WHITESPACE)),
                     st.sampled_from([key.upper(), key.title()]))


def condition():
    def pair(op, text, flag, many):
        return {op: many if op in ("_in", "_nin") else flag if op == "_null" else text}
    texts = st.sampled_from(TEXTS)
    return st.one_of(texts, st.builds(pair, st.sampled_from(TEXT_OPERATORS), texts, st.booleans(),
                                      st.lists(texts, min_size=1, max_size=3)))


def ids_of(target: str):
    return st.sampled_from({"people": PEOPLE, "topics": TOPICS, "articles": ARTICLES}[target])


def filters(section: str, depth: int = 3):
    """Filters on ``section``: fields, relations followed as related filters (plain,
    ``_some``, ``_none``, ``_and`` / ``_or`` inside), by id, nested in ``_and`` / ``_or``."""
    texts, relations = SCHEMA[section]
    options = [st.dictionaries(st.sampled_from(texts).flatmap(spelled), condition(), min_size=1, max_size=2)]
    if depth > 0:
        for handle, target in relations.items():
            inner = filters(target, depth - 1)
            key = spelled(handle)
            options += [
                st.builds(lambda k, f: {k: f}, key, inner),
                st.builds(lambda k, op, f: {k: {op: f}}, key, st.sampled_from(["_some", "_none"]), inner),
                st.builds(lambda k, op, fs: {k: {op: fs}}, key, st.sampled_from(["_and", "_or"]),
                          st.lists(inner, min_size=1, max_size=2)),
                st.builds(lambda k, i: {k: i}, key, ids_of(target)),
            ]
        options.append(st.builds(lambda op, fs: {op: fs}, st.sampled_from(["_and", "_or"]),
                                 st.lists(filters(section, depth - 1), min_size=1, max_size=3)))
    return st.one_of(options)


def field_paths():
    chains = ["", "author", "reviewers", "topic", "topic.owner", "Author", "author ", " author", "owner"]
    leaves = ["*", "secret", "name", "id", "title", "label", "nope", "pin_code"]
    def path(before, chain, leaf, after):
        return before + (f"{chain}.{leaf}" if chain else leaf) + after
    return st.lists(st.builds(path, st.sampled_from(WHITESPACE), st.sampled_from(chains), st.sampled_from(leaves),
                              st.sampled_from(WHITESPACE)), min_size=1, max_size=3)


def lookup(target: str):
    """A relation value: an id, or the related entry found by one of its fields."""
    texts, _ = SCHEMA[target]
    return st.one_of(ids_of(target), st.builds(lambda f, v: {f: v}, st.sampled_from(texts).flatmap(spelled),
                                              st.sampled_from(TEXTS + ["topic 1"])))


def relation_values():
    return st.one_of(st.builds(lambda v: {"author": v}, lookup("people")),
                     st.builds(lambda v: {"topic": v}, lookup("topics")),
                     st.builds(lambda v: {"reviewers": [v]}, lookup("people")))


def sections():
    return st.sampled_from(["articles", "articles", "topics", "people", " people", "People", "PEOPLE", "ghosts"])


def operations():
    """One call of the entry API, as (kind, arguments)."""
    article_filters = filters("articles")
    return st.one_of(
        st.builds(lambda s, f, p: ("query", {"section": s, "filters": f, "fields": p}),
                  sections(), st.none() | article_filters, st.none() | field_paths()),
        st.builds(lambda i, p: ("get", {"section": "articles", "entry_id": i, "fields": p}),
                  st.sampled_from(ARTICLES), st.none() | field_paths()),
        st.builds(lambda f, a, g: ("aggregate", {"section": "articles", "filters": f, "aggregates": a,
                                                "group_by": g}),
                  st.none() | article_filters,
                  st.one_of(st.just({"count": "*"}), st.builds(lambda k, p: {k: p}, st.sampled_from(
                      ["min", "max", "countDistinct"]), field_paths())),
                  st.none() | field_paths()),
        st.builds(lambda f, v: ("update_preview", {"section": "articles", "filters": f, "values": v}),
                  article_filters, st.just({"title": "x"}) | relation_values()),
        st.builds(lambda f: ("delete_preview", {"section": "articles", "filters": f}), article_filters),
        st.builds(lambda n, v: ("create", {"section": "articles", "entries": [{"title": f"written {n}", **v}]}),
                  st.integers(0, 9), relation_values()),
        st.builds(lambda v: ("update_one", {"section": "articles", "entry_id": TARGET_ARTICLE, "values": v}),
                  relation_values()),
    )


# -- running them on the engine ----------------------------------------------------------------
def run_on_engine(engine, kind: str, args: dict):
    """The call on ``engine``: ("ok", result) or ("refused", error class, message)."""
    try:
        if kind == "query":
            result = engine.query_entries(args["section"], filters=args["filters"], fields=args["fields"])
        elif kind == "get":
            result = engine.get_entry(args["section"], args["entry_id"], fields=args["fields"])
        elif kind == "aggregate":
            result = engine.aggregate_entries(args["section"], args["aggregates"], group_by=args["group_by"],
                                              filters=args["filters"])
        elif kind == "update_preview":
            result = engine.update_entries(args["section"], args["filters"], args["values"])
        elif kind == "delete_preview":
            result = engine.delete_entries(args["section"], args["filters"])
        elif kind == "create":
            result = engine.create_entries(args["section"], args["entries"])
        else:
            result = engine.update_entry(args["section"], args["entry_id"], args["values"])
    except ContentError as error:
        return ("refused", type(error).__name__, str(error))
    return ("ok", comparable(kind, result))


def comparable(kind: str, result):
    """``result`` without what a write makes differ by world (new ids, timestamps)."""
    if kind not in ("create", "update_one"):
        return result
    entries = result if isinstance(result, list) else [result]
    dropped = ("id", "created_at", "updated_at") if kind == "create" else ("created_at", "updated_at")
    return [{k: v for k, v in e.items() if k not in dropped} for e in entries]


def leaked_markers(outcome) -> list[str]:
    text = json.dumps(outcome, default=str, ensure_ascii=False)
    return [m for m in MARKERS if m.lower() in text.lower()]

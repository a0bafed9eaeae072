"""A small content model built through the engine, as a team would build it in development."""

from __future__ import annotations


def apply_all(engine, *sections, confirm=True):
    for handle in sections:
        migration = engine.plan_migration(handle)
        if migration["id"] is not None:
            engine.apply_migration(migration["id"], confirm=confirm)


def blog(engine):
    """authors and posts (a title, a relation to authors, tags as a multiple relation)."""
    authors = engine.create_section("authors", "Authors", description="People who write")
    engine.add_field(authors["id"], "name", None, "text", {"maxLength": 120}, is_required=True, is_unique=True)
    engine.add_field(authors["id"], "bio", "Biography", "textarea", help_text="A few lines", tab_name="About",
                     ui_width="half")
    posts = engine.create_section("posts", "Posts", icon="file-text")
    engine.add_field(posts["id"], "title", None, "text", {"maxLength": 200}, is_required=True)
    engine.add_field(posts["id"], "status", None, "select", {"options": ["draft", "live"]}, default_value="draft")
    engine.add_field(posts["id"], "author", None, "relation", {"targetSection": "authors"})
    engine.add_field(posts["id"], "views", None, "text")
    engine.update_section("posts", {"title_field_handle": "title", "search_fields": ["title"]})
    engine.update_section("authors", {"title_field_handle": "name"})
    apply_all(engine, "authors", "posts")


def field_of(engine, section, handle):
    return next(f for f in engine.get_section(section)["fields"] if f["handle"] == handle)

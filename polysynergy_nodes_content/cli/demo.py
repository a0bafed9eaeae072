"""``demo``: the seed's "Usage Example: Research Companies", end to end.

With the embedded PostgreSQL it uses its own database ``polysynergy_demo``, dropped
and created afresh on every run. On a database you name (--database-url or the
environment) it never drops anything: it refuses when the section exists already
and suggests --section with another handle.
"""

from __future__ import annotations

import shlex

import click
from rich.markup import escape
from rich.rule import Rule

from ..content_engine.errors import InvalidInput, NotFound, Refused
from ..content_engine.postgres import embedded_url, mask_url, psql_command, recreate_database
from .common import DatabaseChoice, choose_database, close_pools_for, emit, json_option, state, table
from .entries import entries_table
from .migrations import render_review
from .sections import _field_rows

DEMO_DATABASE = "polysynergy_demo"

FIELDS = [
    dict(handle="company_name", label="Company Name", field_type_handle="text", field_settings={"maxLength": 200},
         is_required=True, is_unique=True),
    dict(handle="uses_kubernetes", label="Uses Kubernetes", field_type_handle="boolean", is_required=False),
    dict(handle="kubernetes_confidence", label="Confidence Level", field_type_handle="select",
         field_settings={"options": ["hoog", "middel", "laag"]}),
    dict(handle="industry", label="Industry", field_type_handle="text"),
    dict(handle="outreach_suggestion", label="Outreach Message", field_type_handle="textarea",
         field_settings={"rows": 5}),
]

ENTRIES = [
    {"company_name": "SWIS", "uses_kubernetes": True, "kubernetes_confidence": "hoog", "industry": "Digital Agency",
     "outreach_suggestion": "Hi Björn, ik zag jullie Kubernetes artikelen..."},
    {"company_name": "Nimbus Hosting", "uses_kubernetes": True, "kubernetes_confidence": "middel",
     "industry": "Cloud Hosting", "outreach_suggestion": "Hoe beheren jullie de clusters van klanten?"},
    {"company_name": "Polder Bank", "uses_kubernetes": True, "kubernetes_confidence": "laag", "industry": "Finance"},
    {"company_name": "Tulp Retail", "uses_kubernetes": False, "kubernetes_confidence": "middel", "industry": "Retail"},
    {"company_name": "Dijk Logistics", "uses_kubernetes": False, "industry": "Logistics"},
]


@click.command("demo")
@click.option("--section", "handle", default="research_companies", show_default=True,
              help="Section handle to use (pick another one on a shared database).")
@json_option
def demo_cmd(handle):
    """Run the "Research Companies" example end to end: create a section and its fields,
    review and apply the migration, write and query entries, change a field and roll
    the change back. Prints where the data lives and how to connect to it."""
    st = state()
    if st.database_url or configured_url():
        choice = st.use_database(choose_database(st.database_url, st.data_dir))
        fresh = False
    else:
        close_pools_for(embedded_url(st.data_dir, DEMO_DATABASE))  # in-process reruns: no stale connections
        db = recreate_database(st.data_dir, DEMO_DATABASE)
        choice = st.use_database(DatabaseChoice(db.url, "embedded", str(db.data_dir), db.pid, db.started_now))
        fresh = True
    engine = st.engine()
    c = st.console
    quiet = st.json
    summary: dict = {"section": handle, "fresh_database": fresh}
    step_no = 0

    def step(title: str) -> None:
        nonlocal step_no
        step_no += 1
        if not quiet:
            c.print()
            c.print(Rule(f"[bold]{step_no}. {escape(title)}[/bold]", align="left"))

    def say(text: str) -> None:
        if not quiet:
            c.print(text, soft_wrap=True)

    step("Where the data lives")
    if fresh:
        say(f"Embedded PostgreSQL (pid {choice.pid}), data directory {choice.data_dir}")
        say(f"Database [bold]{DEMO_DATABASE}[/bold] was created afresh for this run.")
    else:
        say(f"Your database {escape(choice.describe()['url'])} (from {choice.source}); nothing is dropped.")

    step("Install the system schema and sync the field types")
    installed = engine.install()
    say(f"schema version {installed['schema_version']}, {len(installed['field_types'])} field types")

    step(f"Create section '{handle}'")
    try:
        engine.get_section(handle)
    except NotFound:
        pass
    else:
        raise _exists(handle)
    section = engine.create_section(handle, "Research Companies", "Companies researched for Kubernetes usage")
    say(f"section {section['handle']} created, id {section['id']}")

    step("Add fields")
    for spec in FIELDS:
        engine.add_field(section["id"], **spec)
    fields = engine.get_section(section["id"])["fields"]
    if not quiet:
        c.print(table(None, ["handle", "label", "type", "settings", "flags", "default"], _field_rows(fields)))

    step("Generate the migration and review its SQL")
    first = engine.plan_migration(section["id"])
    if not quiet:
        render_review(c, first)

    step("Apply the migration")
    applied = engine.apply_migration(first["id"], confirm=True)
    say(f"[green]applied[/green]: table custom.{section['table_name']} exists now (migration {applied['version']})")

    step("Create entries (validated; a batch is all-or-nothing)")
    swis = engine.create_entry(handle, ENTRIES[0])
    rest = engine.create_entries(handle, ENTRIES[1:])
    say(f"created {1 + len(rest)} entries; SWIS has id {swis['id']}")
    try:
        engine.create_entry(handle, {"company_name": "Bad Input BV", "kubernetes_confidence": "zeer hoog"})
    except InvalidInput as exc:
        say(f"and a bad one is refused before SQL: [yellow]{escape(str(exc))}[/yellow]")
    listed = engine.query_entries(handle, order_by="company_name", limit=5)
    if not quiet:
        c.print(entries_table(listed["entries"], f"A few entries ({listed['total_count']} in total)", max_columns=6))

    step('Query: companies that use Kubernetes, newest first')
    say('filters {"uses_kubernetes": true}, order_by "created_at DESC", limit 50')
    found = engine.query_entries(handle, {"uses_kubernetes": True}, "created_at DESC", 50)
    if not quiet:
        c.print(entries_table(found["entries"], f"{found['total_count']} match", max_columns=6))

    step("Change a field: rename 'industry' to 'sector' and make it required")
    industry = next(f for f in fields if f["handle"] == "industry")
    engine.update_field(industry["id"], {"handle": "sector", "label": "Sector", "is_required": True})
    change = engine.plan_migration(section["id"])
    if not quiet:
        render_review(c, change)
    changed = engine.apply_migration(change["id"], confirm=bool(change["is_destructive"]))
    say(f"[green]applied[/green] migration {changed['version']}: the data stayed, the column is renamed")
    after = engine.query_entries(handle, order_by="company_name", limit=3)
    if not quiet:
        c.print(entries_table(after["entries"], "With the renamed field", max_columns=6))

    step("Roll the change back")
    if not quiet:
        render_review(c, changed, down=True)
    rolled = engine.rollback_migration(changed["id"])
    restored = engine.get_section(section["id"])["fields"]
    say(f"[green]rolled back[/green] migration {rolled['version']}: fields are "
        f"{', '.join(f['handle'] for f in restored)} again")
    back = engine.query_entries(handle, order_by="company_name", limit=3)
    if not quiet:
        c.print(entries_table(back["entries"], "After the rollback", max_columns=6))

    step("Connect to it yourself")
    psql = psql_command(choice.url) if fresh else f"psql '{choice.describe()['url']}'"
    url_for_cli = choice.url if fresh else None
    say(f"URL:  {escape(choice.url if fresh else choice.describe()['url'])}")
    say(f"psql: {escape(psql)}   then: SELECT * FROM custom.{section['table_name']};")
    cli_prefix = f"polysynergy-content --database-url '{url_for_cli}'" if url_for_cli else "polysynergy-content"
    say(f"CLI:  {escape(cli_prefix)} entries query {handle} --filter '{{\"uses_kubernetes\": true}}'")
    say(f"      {escape(cli_prefix)} sections diagram")
    serve = serve_command(st, fresh)
    say(f"Studio: {escape(serve)}   (the web page with this data)")
    if fresh:
        say("Stop the embedded server with: polysynergy-content db stop")

    summary.update({
        "section_id": section["id"], "table": f"custom.{section['table_name']}",
        "migrations": [first["id"], change["id"]], "entries": listed["total_count"],
        "kubernetes_users": found["total_count"], "rolled_back": rolled["id"],
        "fields_after_rollback": [f["handle"] for f in restored], "psql": psql,
        "url": choice.url if fresh else choice.describe()["url"], "serve": serve,
    })
    emit(summary)


def serve_command(st, fresh: bool) -> str:
    """The ``serve`` command that opens the data this run wrote (the embedded demo
    database, or the database the user named, by the same option)."""
    data_dir = f" --data-dir {shlex.quote(st.data_dir)}" if fresh and st.data_dir else ""
    if fresh:
        return f"polysynergy-content{data_dir} serve --demo"
    if st.database_url:  # the password is never printed: the user puts it back where *** is
        return f"polysynergy-content --database-url {shlex.quote(mask_url(st.database_url))} serve"
    return "polysynergy-content serve"


def configured_url() -> bool:
    """A database URL in the environment (then the demo, and serve, use it)."""
    import os

    from ..content_engine.postgres import URL_ENV_VARS

    return any(os.environ.get(name, "").strip() for name in URL_ENV_VARS)


def _exists(handle: str) -> Refused:
    exc = Refused(f"section '{handle}' already exists in this database, and the demo never changes existing data")
    exc.hint = (f"run the demo with another handle (--section {handle}_demo), or remove the old one: "
                f"polysynergy-content sections delete {handle}, then apply that migration")
    return exc

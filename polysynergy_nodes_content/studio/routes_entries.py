"""Table view (server-side filters, sorting, paging, total count) and the entry form
(create, edit, delete with confirmation), drawn from the engine's descriptors."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from ..content_engine.descriptors import form_descriptor, query_with_titles, table_descriptor
from ..content_engine.errors import ContentError, InvalidInput
from . import relations
from .cells import row_cells
from .entry_form import for_create, input_text, posted_values
from .entry_history import read_history
from .pages import call, engine_of, field_errors, flash, read_form, redirect, render
from .table_query import OPERATOR_LABELS, PAGE_SIZES, operand, parse_query

#: Beyond this the offset would overflow the database's bigint: no table has that many pages.
MAX_OFFSET = 2 ** 62



def _filters(engine, descriptor: dict, query) -> dict:
    columns = {c["handle"]: c for c in descriptor["columns"]}
    filters = {}
    for handle, (op, text) in query.filters.items():
        column = columns[handle]
        value = operand(op, text, column)
        if column["cell"] == "relation" and op in ("_eq", "_in", "_neq", "_nin") and not relations.typed_ids(
                engine, column["related_section"], value if isinstance(value, list) else [value]):
            ids = relations.ids_by_titles(engine, column["related_section"],
                                          value if isinstance(value, list) else [value], handle)
            op, value = ("_nin" if op in ("_neq", "_nin") else "_in"), ids
        filters[handle] = {op: value}
    return filters


def table_page_data(engine, handle: str, params) -> dict:
    """Everything the table template shows (also what the bench times)."""
    section = engine.get_section(handle)
    descriptor = table_descriptor(section, engine.registry)
    query = parse_query(params, descriptor)
    errors, result = {}, {"entries": [], "total_count": 0}
    shown_relations = {c["handle"] for c in descriptor["columns"] if c["cell"] in ("relation", "relations")}
    try:
        if query.offset > MAX_OFFSET:
            raise InvalidInput(f"page {query.page} does not exist", field="_table")
        filters = _filters(engine, descriptor, query)
        result = query_with_titles(engine, handle, lambda path: path.partition(".")[0] in shown_relations,
                                   guess_title=True, section_config=section, filters=filters,
                                   order_by=query.order_by(), limit=query.size, offset=query.offset,
                                   search=query.search or None)
    except InvalidInput as exc:
        errors = field_errors(exc) or {"_table": str(exc)}
    titles = result.get("related_titles", {})
    related = {column: relations.shown(titles.get(column, {})) for column in shown_relations}
    total = result["total_count"]
    pages = max(1, -(-total // query.size))
    if query.page > pages and not errors:  # refused, not shown as an empty table of "0 entries"
        errors = {"_table": f"page {query.page} does not exist: there {'is 1 page' if pages == 1 else f'are {pages} pages'}"}
    return dict(section=section, table=descriptor, query=query, entries=result["entries"], total=total,
                rows=row_cells(descriptor["columns"], result["entries"], related),
                pages=pages, related=related, errors=errors, operator_labels=OPERATOR_LABELS,
                page_sizes=PAGE_SIZES, searched=result.get("search"))


async def table_page(request):
    engine = engine_of(request)
    data = await call(request, table_page_data, engine, request.path_params["section"], request.query_params)
    missing_page = data["query"].page > data["pages"]
    return render(request, "table.html", status=400 if missing_page else 200, **data)


# -- the entry form ------------------------------------------------------------------------
async def _form_page(request, section, entry, typed, errors, status=200):
    engine = engine_of(request)
    descriptor = form_descriptor(section, engine.registry)
    fields = {f["handle"]: f for f in descriptor["fields"]}
    shown = {}
    for handle, field in fields.items():
        shown[handle] = typed[handle] if handle in typed else input_text(
            field, (entry or {}).get(handle) if entry else field.get("default"))
    choices = {}
    for field in descriptor["fields"]:
        if field["widget"] in ("relation", "relation_multiple") and field.get("related_section"):
            options = await call(request, relations.search, engine, field["related_section"], "", 50)
            picked = shown[field["handle"]]
            picked = picked if isinstance(picked, list) else [picked] if picked else []
            known = {o["id"] for o in options}
            missing = await call(request, relations.valid_ids, engine, field["related_section"],
                                 [p for p in picked if p not in known])
            if missing:
                extra = await call(request, relations.titles, engine, field["related_section"], missing)
                options = [{"id": i, "title": extra.get(i, i)} for i in missing] + options
            choices[field["handle"]] = options
        if field["widget"] == "relation_list":  # read only: the related entries, by title
            choices[field["handle"]] = await call(request, relations.listed, engine, field["related_section"],
                                                  (entry or {}).get(field["handle"]) or [])
    general = errors.get("_form")
    history = await call(request, read_history, engine, section["handle"], entry["id"]) if entry else []
    return render(request, "entry_form.html", status=status, section=section, form=descriptor, fields=fields,
                  entry=entry, shown=shown, errors=errors, general=general, choices=choices, history=history)


async def new_entry(request):
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    return await _form_page(request, section, None, {}, {})


async def _section_and_entry(request):
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    entry = await call(request, engine.get_entry, section["handle"], request.path_params["entry"])
    return section, entry


async def edit_entry(request):
    section, entry = await _section_and_entry(request)
    return await _form_page(request, section, entry, {}, {})


async def _save(request, entry):
    form = await read_form(request)
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    descriptor = form_descriptor(section, engine.registry)
    data, typed, errors = posted_values(descriptor, form)
    if errors:
        return await _form_page(request, section, entry, typed, errors, 422)
    try:
        if entry is None:
            saved = await call(request, engine.create_entry, section["handle"], for_create(data))
        else:
            saved = await call(request, engine.update_entry, section["handle"], entry["id"], data)
    except ContentError as exc:
        errors = field_errors(exc)
        if not errors or not set(errors) & set(typed):
            errors["_form"] = str(exc)
        return await _form_page(request, section, entry, typed, errors, 422)
    flash(request, f"Entry {'created' if entry is None else 'saved'}.")
    return redirect(f"/sections/{section['handle']}/entries?highlight={saved['id']}")


async def create_entry(request):
    return await _save(request, None)


async def update_entry(request):
    _, entry = await _section_and_entry(request)
    return await _save(request, entry)


async def delete_page(request):
    section, entry = await _section_and_entry(request)
    descriptor = form_descriptor(section, engine_of(request).registry)
    return render(request, "delete.html", section=section, entry=entry, title_field=descriptor["title_field"])


async def delete_entry(request):
    await read_form(request)
    section, entry = await _section_and_entry(request)
    await call(request, engine_of(request).delete_entry, section["handle"], entry["id"])
    flash(request, "Entry deleted.")
    return redirect(f"/sections/{section['handle']}/entries")


async def choices(request):
    """Related entries by title for the relation picker's search box (JSON)."""
    engine = engine_of(request)
    found = await call(request, relations.search, engine, request.path_params["section"],
                       (request.query_params.get("q") or "")[:200], 20)
    return JSONResponse({"choices": found})


routes = [
    Route("/sections/{section}/entries", table_page, methods=["GET"]),
    Route("/sections/{section}/entries/new", new_entry, methods=["GET"]),
    Route("/sections/{section}/entries/new", create_entry, methods=["POST"]),
    Route("/sections/{section}/entries/{entry}", edit_entry, methods=["GET"]),
    Route("/sections/{section}/entries/{entry}", update_entry, methods=["POST"]),
    Route("/sections/{section}/entries/{entry}/delete", delete_page, methods=["GET"]),
    Route("/sections/{section}/entries/{entry}/delete", delete_entry, methods=["POST"]),
    Route("/api/sections/{section}/choices", choices, methods=["GET"]),
]

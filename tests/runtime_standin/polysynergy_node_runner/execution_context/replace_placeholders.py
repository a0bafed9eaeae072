"""Stand-in for the runtime's placeholder filling (``{{ handle.variable }}`` in node inputs).

The rules the content nodes rely on, as the real module applies them:
- the template language is Jinja2 with undefined names as errors (``StrictUndefined``);
- ``values`` (a node passes its own ``__dict__``) are the base names;
- every node of ``state`` that has run is added under its handle, as ``to_dict()`` with
  its ``true_path`` (a value in ``values`` of the same name is replaced);
- a string is rendered as it is; anything else is written as JSON, rendered, and read
  back, so a placeholder inside a dict or list fills in place.
The real module can also walk the flow backwards for a handle that has not run yet;
the tests do not need that.
"""

import json

import jinja2

_ENVIRONMENT = jinja2.Environment(undefined=jinja2.StrictUndefined)


def _names(values, state) -> dict:
    names = dict(values or {})
    for handle, node in (getattr(state, "nodes_by_handle", None) or {}).items():
        if node.is_processed():
            described = node.to_dict()
            described.setdefault("true_path", getattr(node, "true_path", None))
            names[handle] = described
    return names


def replace_placeholders(data, values: dict = None, state=None, current_node=None, components: dict = None):
    names = _names(values, state)
    if isinstance(data, str):
        return _ENVIRONMENT.from_string(data).render(names)
    try:
        return json.loads(_ENVIRONMENT.from_string(json.dumps(data)).render(names))
    except Exception as error:
        raise ValueError(f"Template rendering failed: {error}") from None

"""Dock descriptions: plain dicts the portal reads to pick an editor."""


def dock_property(
    enabled: bool = True,
    secret: bool = False,
    select_values: dict | None = None,
    text_area: bool = False,
    rich_text_area: bool = False,
    code_editor: bool = False,
    handle: bool = False,
    json_editor: bool = False,
    switch: bool = False,
    info: str = "",
    metadata: dict | None = None,
    placeholder: str | None = None,
) -> dict:
    return {
        "has_dock": True,
        "enabled": enabled,
        "secret": secret,
        "select_values": select_values,
        "text_area": text_area,
        "rich_text_area": rich_text_area,
        "code_editor": code_editor,
        "handle": handle,
        "json_editor": json_editor,
        "switch": switch,
        "info": info,
        "metadata": metadata or {},
        "placeholder": placeholder,
    }


def dock_json(enabled: bool = True, info: str = "") -> dict:
    return {"has_dock": True, "enabled": enabled, "json_editor": True, "info": info}


def dock_text_area(enabled: bool = True, rich: bool = False, info: str = "") -> dict:
    return {"has_dock": True, "enabled": enabled, "text_area": not rich, "rich_text_area": rich, "info": info}


def dock_select_values(select_values: dict, enabled: bool = True, info: str = "") -> dict:
    return {"has_dock": True, "enabled": enabled, "select_values": select_values, "info": info}


def dock_switch(enabled: bool = True, info: str = "") -> dict:
    return {"has_dock": True, "enabled": enabled, "switch": True, "info": info}

"""Static checks of the node files against the PolySynergy codegen rules.

These parse the source (ast and plain text) and need neither the runtime nor a database.
"""

from __future__ import annotations

import ast
import re

import pytest

from content_codegen_sim import strip_declarations
from content_node_contract import ALLOWED_ANNOTATIONS, CONTRACT, PATH_ANNOTATION, inputs_of, node_file, outputs_of

CLASS_NAMES = sorted(CONTRACT)
SIMPLE_STRING_LIMIT = 200


def parse(class_name: str):
    source = node_file(class_name).read_text(encoding="utf-8")
    return source, ast.parse(source)


def the_class(tree: ast.Module) -> ast.ClassDef:
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    assert len(classes) == 1
    return classes[0]


def declarations(cls: ast.ClassDef) -> dict[str, ast.AnnAssign]:
    return {
        n.target.id: n
        for n in cls.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }


def keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords}


def is_simple_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return len(node.value) <= SIMPLE_STRING_LIMIT and "\n" not in node.value
        return node.value is None or isinstance(node.value, (bool, int, float))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float))
    if isinstance(node, ast.List):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    return False


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_module_level_is_imports_and_one_class(class_name):
    source, tree = parse(class_name)
    kinds = [type(n).__name__ for n in tree.body]
    assert set(kinds) <= {"Import", "ImportFrom", "ClassDef"}, kinds
    assert kinds.count("ClassDef") == 1
    assert kinds.index("ClassDef") == len(kinds) - 1, "imports come before the class"


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_imports_are_single_line_and_absolute(class_name):
    source, tree = parse(class_name)
    lines = source.splitlines()
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            assert statement.lineno == statement.end_lineno, f"multi-line import at line {statement.lineno}"
            assert not (isinstance(statement, ast.ImportFrom) and statement.level), "relative import"
            text = lines[statement.lineno - 1]
            assert re.match(r"^(from|import) [\w.]+", text), text
            assert "(" not in text and "\\" not in text and ";" not in text, text


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_no_imports_inside_the_class_and_no_import_fallbacks(class_name):
    source, tree = parse(class_name)
    cls = the_class(tree)
    for node in ast.walk(cls):
        assert not isinstance(node, (ast.Import, ast.ImportFrom)), f"import inside the class at line {node.lineno}"
        assert not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__")
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                names = ast.dump(handler.type) if handler.type else ""
                assert "ImportError" not in names and "ModuleNotFoundError" not in names


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_only_real_imports_look_like_imports(class_name):
    """The generator hoists every line that starts with from/import, wherever it is."""
    source, tree = parse(class_name)
    import_lines = {n.lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}
    for number, line in enumerate(source.splitlines(), start=1):
        if number not in import_lines:
            assert not re.match(r"^(from|import)\s+", line.strip()), f"line {number} would be hoisted: {line!r}"


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_class_subclasses_node_directly(class_name):
    source, tree = parse(class_name)
    cls = the_class(tree)
    assert cls.name == class_name
    assert [ast.unparse(b) for b in cls.bases] == ["Node"] and not cls.keywords
    assert f"class {class_name}(Node):" in source.splitlines()
    assert source.count("(Node):") == 1


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_decorator_icon_and_readme(class_name):
    source, tree = parse(class_name)
    cls = the_class(tree)
    assert len(cls.decorator_list) == 1
    decorator = cls.decorator_list[0]
    assert isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "node"
    arguments = keywords(decorator)
    assert not decorator.args
    assert all(is_simple_literal(v) for v in arguments.values())
    assert {"name", "category", "icon"} <= set(arguments)
    category = arguments["category"].value
    family, _, group = category.partition("_")
    assert family == "content" and group in {"sections", "migrations", "entries", "events"}
    icon = arguments["icon"].value
    icon_file = node_file(class_name).parent / "icons" / icon
    assert icon_file.is_file(), icon_file
    svg = icon_file.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and "currentColor" in svg
    readme = node_file(class_name).with_name(f"{class_name}_README.md")
    assert readme.is_file(), readme
    text = readme.read_text(encoding="utf-8")
    for heading in ("## Inputs", "## Outputs", "## Example", "## Errors"):
        assert heading in text, f"{readme.name} lacks {heading}"
    for name in inputs_of(class_name) + outputs_of(class_name):
        assert f"`{name}`" in text, f"{readme.name} does not describe {name}"


DESTRUCTIVE = {"ContentSectionFieldRemove", "ContentMigrationApply", "ContentMigrationRollback", "ContentEntryDelete",
               "ContentSchemaApply", "ContentEntryRestore", "ContentRunUndo"}
DOCK_ONLY = {"database_url", "errors_on_success_path"}


def agent_tool_section(class_name: str) -> str:
    text = node_file(class_name).with_name(f"{class_name}_README.md").read_text(encoding="utf-8")
    assert "\n## Use as an agent tool\n" in text, f"{class_name}_README.md lacks the agent tool section"
    return text.split("\n## Use as an agent tool\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_readme_explains_use_as_an_agent_tool(class_name):
    section = agent_tool_section(class_name)
    name = re.search(r"\*\*Suggested function name:\*\* `([^`]+)`", section)
    assert name and re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name.group(1)), "a function name a path tool keeps as is"
    description = re.search(r"\*\*Description for the model:\*\* (.+)", section)
    assert description and description.group(1).count(". ") == 0 and description.group(1).endswith(".")
    rows = re.findall(r"^\| `(\w+)` \| `([^`]*)` \| (.+) \|$", section, flags=re.MULTILINE)
    parameters = [row[0] for row in rows]
    assert parameters, "no parameters with example values"
    assert all(example for _, example, _ in rows), "every parameter has an example value"
    source, tree = parse(class_name)
    declared_inputs = {
        name for name, statement in declarations(the_class(tree)).items()
        if "has_in" in keywords(statement.value) and ast.literal_eval(keywords(statement.value)["has_in"])
    }
    assert set(parameters) <= declared_inputs - DOCK_ONLY, "parameters are the node's own inputs"
    assert set(CONTRACT[class_name][1]) <= set(parameters), "every agent-facing input is described"
    assert '**Result:** `{"ok": true' in section
    assert '**Error:** `{"ok": false, "error": ' in section and '"field": ' in section
    assert "errors_on_success_path = true" in section
    assert ("**Requires confirmation:** yes" in section) == (class_name in DESTRUCTIVE)


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_variables_annotations_and_defaults(class_name):
    source, tree = parse(class_name)
    cls = the_class(tree)
    declared = declarations(cls)
    for name, statement in declared.items():
        annotation = ast.unparse(statement.annotation)
        assert isinstance(statement.value, ast.Call), name
        maker = ast.unparse(statement.value.func)
        if name in ("true_path", "false_path"):
            assert maker == "PathSettings" and annotation == PATH_ANNOTATION, name
        else:
            assert maker == "NodeVariableSettings", name
            assert annotation in ALLOWED_ANNOTATIONS, f"{name}: {annotation}"
        assert not statement.value.args, f"{name}: settings are given by keyword"
        default = keywords(statement.value).get("default")
        if default is not None:
            assert is_simple_literal(default), f"{name}: default must be a simple literal"
    assert {"true_path", "false_path"} <= set(declared)


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_generator_extracts_the_same_defaults(class_name):
    """The runtime finds defaults by pattern matching: it must read what the code says."""
    source, tree = parse(class_name)
    declared = declarations(the_class(tree))
    stripped = "\n".join(strip_declarations(source.splitlines()))
    extracted = {}
    for line in stripped.splitlines():
        match = re.match(r"^\s+(\w+): ([^=]+?) = (.+)$", line)
        if match and match.group(1) in declared:
            extracted[match.group(1)] = (match.group(2), ast.literal_eval(match.group(3)))
    assert set(extracted) == set(declared)
    for name, statement in declared.items():
        default = keywords(statement.value).get("default")
        expected = ast.literal_eval(default) if default is not None else None
        assert extracted[name] == (ast.unparse(statement.annotation), expected), name


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_contract_inputs_and_outputs(class_name):
    source, tree = parse(class_name)
    declared = declarations(the_class(tree))
    for name in inputs_of(class_name):
        assert name in declared, f"missing input {name}"
        settings = keywords(declared[name].value)
        assert ast.literal_eval(settings["has_in"]) is True, name
        assert "has_out" not in settings or ast.literal_eval(settings["has_out"]) is False, name
    for name in outputs_of(class_name):
        assert name in declared, f"missing output {name}"
        settings = keywords(declared[name].value)
        assert ast.literal_eval(settings["has_out"]) is True, name
        assert "dock" not in settings, f"output {name} has no dock"
    extra = set(declared) - set(inputs_of(class_name)) - set(outputs_of(class_name)) - {"true_path", "false_path"}
    allowed_extra = {"help_text", "placeholder", "default_value", "sort_order"} if class_name == "ContentSectionFieldAdd" else set()
    assert extra <= allowed_extra, extra


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_database_url_is_a_secret_string_input(class_name):
    source, tree = parse(class_name)
    statement = declarations(the_class(tree))["database_url"]
    assert ast.unparse(statement.annotation) == "str"
    settings = keywords(statement.value)
    dock = settings["dock"]
    assert isinstance(dock, ast.Call) and ast.unparse(dock.func) == "dock_property"
    assert ast.literal_eval(keywords(dock)["secret"]) is True
    assert ast.literal_eval(settings["has_in"]) is True


@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_execute_is_async_and_awaits(class_name):
    source, tree = parse(class_name)
    cls = the_class(tree)
    methods = {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    assert isinstance(methods.get("execute"), ast.AsyncFunctionDef)
    assert any(isinstance(n, ast.Await) for n in ast.walk(methods["execute"]))
    assert set(methods) <= {"execute", "__post_init__"}


def test_module_level_names_do_not_collide():
    """After codegen all node files share one namespace: imported names must agree."""
    seen: dict[str, str] = {}
    for class_name in CLASS_NAMES:
        source, tree = parse(class_name)
        for statement in tree.body:
            if isinstance(statement, ast.ImportFrom):
                for alias in statement.names:
                    bound = alias.asname or alias.name
                    origin = f"{statement.module}.{alias.name}"
                    assert seen.setdefault(bound, origin) == origin, f"{bound} means two things"
    assert not set(seen) & set(CLASS_NAMES)


def test_node_files_are_only_the_contract_files():
    from content_node_contract import NODE_FOLDERS, PACKAGE_DIR

    found = {str(p.relative_to(PACKAGE_DIR)) for folder in NODE_FOLDERS for p in (PACKAGE_DIR / folder).glob("[!_]*.py")}
    assert found == {CONTRACT[name][0] for name in CLASS_NAMES}


def test_node_support_has_no_node_classes():
    from content_node_contract import PACKAGE_DIR

    for path in (PACKAGE_DIR / "node_support").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                assert "Node" not in [ast.unparse(b) for b in node.bases], path
                assert not [d for d in node.decorator_list if "node" in ast.unparse(d)], path

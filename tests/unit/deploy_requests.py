"""Which requests the console sends to Karmada, read from its source (for the RBAC tests).

Every request goes through `KarmadaClient.request(method, path)` (the choke point), either
directly or through wrappers that fix some arguments (`proxy`, `service_proxy`, the doctor's
`Probe.get`/`member_get`/`service_request` ...). This module follows those calls through the
source with `ast`: a function whose request has a parameter in place of the method or path is a
wrapper, and every call to it binds that parameter; repeated until nothing changes. What is left
with a literal method and a known path builder (`_paths.py`, `bootstrap.py`) or a literal API
path is a `Use`. PrometheusClient's `_send` is a sink: the console builds that client only over
`KarmadaClient.service_client`, i.e. the member's service proxy.

Imprecise on purpose where it is safe: wrappers are matched by name, and a binding that yields
neither a path builder nor an API path (``headers.get("x")`` matching `Probe.get`) is dropped.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
CHOKE_POINT = ("request", ("method", "path"))
SINKS = {"_send": "service_proxy_path"}
"""Functions whose method argument goes to a known target, whatever their body does."""

PACKAGE = Path(__file__).resolve().parents[2] / "i3plat"
SKIPPED = ("federation_sim",)


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class Target:
    """A path built by `builder(...)`; `rest` (cluster proxy) and `namespace` when they matter."""

    builder: str
    rest: Value | None = None
    namespace: Value | None = None


Value = str | Param | Target


@dataclass(frozen=True)
class Template:
    method: Value
    path: Value

    def values(self) -> Iterator[Value]:
        yield self.method
        yield self.path
        if isinstance(self.path, Target):
            for part in (self.path.rest, self.path.namespace):
                if part is not None:
                    yield part

    @property
    def concrete(self) -> bool:
        return not any(isinstance(v, Param) for v in self.values())


@dataclass(frozen=True)
class Use:
    method: str
    path: Target | str
    where: str


@dataclass
class Function:
    name: str
    params: list[str]
    node: ast.FunctionDef | ast.AsyncFunctionDef
    where: str


def source_files(package: Path = PACKAGE) -> Iterator[tuple[str, str]]:
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.parts[0] in SKIPPED:
            continue
        yield str(rel), path.read_text(encoding="utf-8")


def parse_sources(sources: Iterable[tuple[str, str]]) -> tuple[list[Function], dict[str, str]]:
    functions: list[Function] = []
    constants: dict[str, str] = {}
    for name, text in sources:
        tree = ast.parse(text, filename=name)
        for stmt in tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                constants[stmt.targets[0].id] = stmt.value.value
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
                params = [a for a in args if a not in ("self", "cls")]
                functions.append(Function(node.name, params, node, f"{name}:{node.lineno}"))
    return functions, constants


def callee_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


class Evaluator:
    """Values of expressions inside one function: literals, constants, parameters, builders."""

    def __init__(self, function: Function, constants: dict[str, str]) -> None:
        self.function = function
        self.constants = constants
        self.assigned: dict[str, ast.expr] = {}
        self.looped: dict[str, list[str]] = {}
        for node in ast.walk(function.node):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                self.assigned[node.targets[0].id] = node.value
            if isinstance(node, ast.For) and isinstance(node.iter, ast.Tuple | ast.List):
                self._bind_loop(node.target, node.iter.elts)

    def _bind_loop(self, target: ast.expr, items: list[ast.expr]) -> None:
        names = [target] if isinstance(target, ast.Name) else getattr(target, "elts", [])
        for index, name in enumerate(names):
            if not isinstance(name, ast.Name):
                continue
            for item in items:
                value = item.elts[index] if isinstance(item, ast.Tuple) and index < len(item.elts) else item
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    self.looped.setdefault(name.id, []).append(value.value)

    def values(self, node: ast.expr | None, depth: int = 0) -> list[Value]:
        if node is None or depth > 5:
            return []
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("upper", "lower", "strip"):
                return self.values(func.value, depth + 1)
            name = callee_name(node)
            if name is not None and name.endswith("_path"):
                return self._target(name, node, depth)
            return []
        if isinstance(node, ast.Attribute):
            return [self.constants[node.attr]] if node.attr in self.constants else []
        if isinstance(node, ast.Name):
            if node.id in self.looped:
                return list(dict.fromkeys(self.looped[node.id]))
            if node.id in self.assigned:
                return self.values(self.assigned[node.id], depth + 1)
            if node.id in self.function.params:
                return [Param(node.id)]
            if node.id in self.constants:
                return [self.constants[node.id]]
        return []

    def _target(self, builder: str, call: ast.Call, depth: int) -> list[Value]:
        def arg(index: int) -> list[Value | None]:
            if index >= len(call.args):
                return [None]
            return list(self.values(call.args[index], depth + 1)) or [None]

        if builder == "cluster_proxy_path":
            return [Target(builder, rest=rest) for rest in arg(1)]
        if builder in ("secrets_path", "secret_path"):
            return [Target(builder, namespace=ns) for ns in arg(0)]
        return [Target(builder)]


def bind(template: Template, wrapper: Function, call: ast.Call, evaluator: Evaluator) -> list[Template]:
    """The templates a call to `wrapper` produces in the calling function."""
    given: dict[str, ast.expr] = {}
    for index, node in enumerate(call.args):
        if isinstance(node, ast.Starred):
            break
        if index < len(wrapper.params):
            given[wrapper.params[index]] = node
    for keyword in call.keywords:
        if keyword.arg is not None:
            given[keyword.arg] = keyword.value

    def substitute(value: Value | None) -> list[Value | None]:
        if isinstance(value, Param):
            return list(evaluator.values(given.get(value.name))) or [None]
        if isinstance(value, Target):
            return [
                Target(value.builder, rest, ns)
                for rest in substitute(value.rest)
                for ns in substitute(value.namespace)
            ]
        return [value]

    out = []
    for method in substitute(template.method):
        for path in substitute(template.path):
            if method is not None and path is not None:
                out.append(Template(method, path))
    return out


def is_request_path(value: Value) -> bool:
    return isinstance(value, Target | Param) or (isinstance(value, str) and value.startswith("/api"))


def find_uses(sources: Iterable[tuple[str, str]]) -> list[Use]:
    """Every (method, path) the code sends, with the place it was found."""
    functions, constants = parse_sources(sources)
    evaluators: dict[int, Evaluator] = {}
    by_name: dict[str, list[Function]] = {}
    for f in functions:
        by_name.setdefault(f.name, []).append(f)
    choke_name, choke_params = CHOKE_POINT
    choke = Function(choke_name, list(choke_params), ast.FunctionDef(), "KarmadaClient.request")
    templates: dict[int, set[Template]] = {id(choke): {Template(Param("method"), Param("path"))}}
    wrappers: dict[str, list[Function]] = {choke_name: [choke]}
    places: dict[tuple[int, Template], str] = {}

    calls = {id(f): [n for n in ast.walk(f.node) if isinstance(n, ast.Call)] for f in functions}
    changed = True
    while changed:
        changed = False
        for f in functions:
            found = templates.setdefault(id(f), set())
            for node in calls[id(f)]:
                name = callee_name(node)
                if name not in SINKS and name not in wrappers:
                    continue
                if id(f) not in evaluators:
                    evaluators[id(f)] = Evaluator(f, constants)
                evaluator = evaluators[id(f)]
                new: list[Template] = []
                if name in SINKS and f.name != name:
                    methods = [v for a in node.args[:1] for v in evaluator.values(a)]
                    new = [Template(m, Target(SINKS[name])) for m in methods]
                elif name in wrappers and f.name not in SINKS:
                    for wrapper in wrappers[name]:
                        if wrapper is f:
                            continue
                        for template in list(templates.get(id(wrapper), ())):
                            new += [
                                t for t in bind(template, wrapper, node, evaluator) if is_request_path(t.path)
                            ]
                for template in new:
                    if template not in found:
                        found.add(template)
                        places[(id(f), template)] = f"{f.where} (line {node.lineno})"
                        changed = True
            if found and not all(t.concrete for t in found) and f not in wrappers.get(f.name, []):
                wrappers.setdefault(f.name, []).append(f)
                changed = True

    uses = []
    for f in functions:
        for template in templates.get(id(f), ()):
            if template.concrete and isinstance(template.method, str) and template.method in HTTP_METHODS:
                assert not isinstance(template.path, Param)
                uses.append(Use(template.method, template.path, places[(id(f), template)]))
    return uses

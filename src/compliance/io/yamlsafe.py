"""Parse YAML once, refusing what a safe loader accepts but a checker must not.

- **Alias expansion.** ``&a [*b, *b, ...]`` nests cheaply in the file but expands
  exponentially once anything walks it (a "billion laughs" in ``rule_params`` reached 4.6 GB).
  The expanded size is counted on the composed node graph, where aliases are shared, and a
  document whose aliases add more than ``MAX_ALIAS_NODES`` nodes, or refer to themselves, is
  refused.
- **Duplicate keys.** YAML says keys are unique; PyYAML keeps the last silently. Each repeat is a
  located problem.

The composed graph also gives the line of every list item and mapping key, so errors can point
into the file.

PyYAML is imported when a document is first parsed, not with this module: a run whose rules and
data set come from the cache (``compliance.cache``) reads its few settings files through
``load_document``, from the cache too, and never needs it (start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import cache

if TYPE_CHECKING:
    import yaml

MAX_ALIAS_NODES = 100_000
"""Most nodes that aliases may add to a document when expanded."""


class YamlProblem(ValueError):
    """A YAML document refused by the checker; ``location`` is "line N" when known."""

    def __init__(self, message: str, location: str = ""):
        super().__init__(message)
        self.location = location


def _line(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _check(root: yaml.Node) -> list[YamlProblem]:
    """Duplicate keys, and aliases that expand too far or into themselves."""
    import yaml

    problems: list[YamlProblem] = []
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    distinct = 0

    def size(node: yaml.Node) -> int:
        nonlocal distinct
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise YamlProblem("an alias refers to the collection that contains it; expected a finite document", _line(node))
        open_nodes.add(key)
        distinct += 1
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        problems.append(YamlProblem(
                            f"duplicate key '{k.value}' (first at {_line(seen[k.value])}); expected each key once in a mapping", _line(k)))
                    else:
                        seen[k.value] = k
                total += size(k) + size(v)
        open_nodes.discard(key)
        sizes[key] = total
        return total

    try:
        expanded = size(root)
    finally:
        size = None  # noqa: F841 - the function's cell held the function: a cycle, with every node's size
    if expanded - distinct > MAX_ALIAS_NODES:
        problems.append(YamlProblem(
            f"aliases expand the document to {expanded:,} nodes from {distinct:,} written; "
            f"the checker allows aliases to add at most {MAX_ALIAS_NODES:,}", ""))
    return problems


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None, list[YamlProblem]]:
    """The document, its composed root node and every problem found; raises ``yaml.YAMLError`` on bad syntax.

    When there are problems the document is None: a duplicate key's value cannot be trusted.
    """
    loader = safe_loader()(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None, []
        try:
            problems = _check(root)
        except YamlProblem as exc:
            return None, root, [exc]
        except RecursionError:
            return None, root, [YamlProblem("is nested too deeply to read; expected at most a few hundred levels")]
        if problems:
            return None, root, problems
        try:
            return loader.construct_document(root), root, []
        except RecursionError:
            return None, root, [YamlProblem("is nested too deeply to read; expected at most a few hundred levels")]
    finally:
        loader.dispose()


def load_document(text: str) -> tuple[Any, list[YamlProblem]]:
    """``parse_yaml``'s document and problems, without the node graph (a settings file, whose
    errors name no line of it): from the cache when the same text was read before without a
    problem. Raises ``yaml.YAMLError`` on bad syntax, as ``parse_yaml`` does."""
    entry = cache.key("yaml", [text]) if cache.enabled() else None
    if entry is not None:
        stored = cache.load(entry)
        if isinstance(stored, tuple) and len(stored) == 1:  # (document,): None is a document too
            return stored[0], []
    doc, _, problems = parse_yaml(text)
    if entry is not None and not problems:
        cache.store(entry, (doc,))
    return doc, problems


def safe_loader() -> type:
    """PyYAML's safe loader, libyaml's when present: the same documents and marks, about 8x
    faster than the pure-Python parser (PyYAML imported when first needed)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_error() -> type[Exception]:
    """``yaml.YAMLError``, for an ``except`` clause (evaluated only when something is raised)."""
    import yaml

    return yaml.YAMLError


def item_lines(root: yaml.Node | None, register: str) -> list[int] | None:
    """1-based line of each list item (at top level or under ``register:``)."""
    import yaml

    node = root
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == register:
                node = value
                break
    if not isinstance(node, yaml.SequenceNode):
        return None
    return [item.start_mark.line + 1 for item in node.value]


def key_lines(root: yaml.Node | None) -> dict[str, int]:
    """1-based line of each top-level key of a mapping document (the organisation file)."""
    import yaml

    if not isinstance(root, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in root.value if isinstance(k, yaml.ScalarNode)}

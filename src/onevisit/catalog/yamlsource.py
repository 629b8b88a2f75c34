"""Reading a definition file: YAML to plain data, keeping where every value came from.

PyYAML composes the document into nodes that carry their start marks; we walk those
nodes once, building the plain data (safe types only) and a map from each value's path
(``("services", 3, "materials", 0)``) to its line and column. Validation errors —
pydantic's ``loc`` tuples, reference checks, rule problems — are then reported at the
line and column of the value they are about.

Refused on the way, with the line named: a file that is not UTF-8, several documents in
one file, a key given twice in one mapping (PyYAML would silently keep the last), anchors
and aliases (definitions are small and explicit; aliases would also let a tiny file
expand into a huge one), and tags other than YAML's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from onevisit.catalog.errors import CatalogError, Problem
from onevisit.kernel.i18n import N_

Path = tuple[str | int, ...]

#: Definition files are small: the largest demo file is a few kilobytes.
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 24


@dataclass(frozen=True, slots=True)
class Position:
    line: int  #: 1-based
    column: int  #: 1-based
    style: str | None = None  #: the scalar's style: None (plain), "'", '"', "|" or ">"


@dataclass
class Source:
    """A parsed file: its data and where each part of it is."""

    name: str
    data: Any
    positions: dict[Path, Position] = field(default_factory=dict)

    def position(self, path: Sequence[str | int]) -> Position | None:
        """The position of ``path``, or of its nearest ancestor that exists in the file."""
        walked = self.resolve(path)
        while walked:
            found = self.positions.get(walked)
            if found is not None:
                return found
            walked = walked[:-1]
        return self.positions.get(())

    def resolve(self, loc: Sequence[object]) -> Path:
        """The part of a pydantic ``loc`` that names data in the file (union tags and
        validator names skipped), as far as the data goes."""
        walked: list[str | int] = []
        node = self.data
        for part in loc:
            in_mapping = isinstance(node, dict) and isinstance(part, str) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_mapping or in_list:
                walked.append(part)  # type: ignore[arg-type]  # str or int, as checked
                node = node[part]
        return tuple(walked)

    def problem(
        self,
        path: Sequence[str | int],
        error: CatalogError,
        message: str,
        /,
        **params: object,
    ) -> Problem:
        """A problem located at ``path``, naming it as the field."""
        return self.problem_at(path, path, error, message, params)

    def problem_at(
        self,
        path: Sequence[str | int],
        shown: Sequence[object],
        error: CatalogError,
        message: str,
        params: Mapping[str, object],
    ) -> Problem:
        """A problem located at ``path`` that names ``shown`` as the field (a missing key
        is named though it has no position of its own)."""
        where = self.position(path)
        return Problem(
            file=self.name,
            line=where.line if where else None,
            column=where.column if where else None,
            field=format_path(shown),
            code=error,
            message=message,
            params=params,
        )


def format_path(path: Sequence[object]) -> str:
    """``("services", 3, "materials", 0, "code")`` → ``services[3].materials[0].code``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_ALIASES = N_("Anchors and aliases are not supported: write the value out.")


class _Refused(Exception):
    def __init__(self, node: Node | None, message: str, **params: object) -> None:
        super().__init__(message)
        self.node = node
        self.message = message
        self.params = params


_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class _Builder:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.positions: dict[Path, Position] = {}
        self.seen: set[int] = set()

    def build(self, node: Node, path: Path, depth: int = 0) -> Any:
        if id(node) in self.seen:
            raise _Refused(node, _ALIASES)
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Refused(node, N_("The definition is nested too deeply."))
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            node.tag = "tag:yaml.org,2002:str"  # dates are written as text (YYYY-MM-DD)
        if node.tag not in _PLAIN_TAGS:
            raise _Refused(node, N_("Tag %(tag)s is not supported."), tag=str(node.tag)[:80])
        style = node.style if isinstance(node, ScalarNode) else None
        self.positions[path] = Position(node.start_mark.line + 1, node.start_mark.column + 1, style)
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                if id(item) in self.seen:
                    raise _Refused(node, _ALIASES)
                items.append(self.build(item, (*path, index), depth + 1))
            return items
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:null":
                raise _Refused(key_node, N_("Keys must be plain names."))
            key = str(key_node.value)
            if key in out:
                raise _Refused(key_node, N_("Key “%(key)s” is given twice."), key=key[:64])
            if id(value_node) in self.seen:
                raise _Refused(key_node, _ALIASES)
            out[key] = self.build(value_node, (*path, key), depth + 1)
            if not isinstance(value_node, ScalarNode):
                # a mapping or list is where its key is (a block one starts on the next line)
                self.positions[(*path, key)] = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out


def read_source(name: str, content: bytes) -> tuple[Source | None, list[Problem]]:
    """Parses ``content``; on failure returns ``None`` and the problem, located."""

    def refuse(line: int | None, column: int | None, message: str, **params: object) -> tuple[None, list[Problem]]:
        problem = Problem(name, line, column, "", CatalogError.YAML_INVALID, message, params)
        return None, [problem]

    if len(content) > MAX_FILE_BYTES:
        return refuse(None, None, N_("The file is larger than %(limit)s bytes."), limit=MAX_FILE_BYTES)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = content[: err.start].count(b"\n") + 1
        return refuse(line, None, N_("The file is not UTF-8 text."))
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return refuse(1, 1, N_("The file is empty."))
        builder = _Builder(loader)
        data = builder.build(node, ())
    except _Refused as err:
        mark = err.node.start_mark if err.node is not None else None
        return refuse(mark.line + 1 if mark else None, mark.column + 1 if mark else None, err.message, **err.params)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = (err.problem or err.context or "").strip()
        if "but found another document" in (err.context or "") + problem:
            return refuse(
                mark.line + 1 if mark else None, None, N_("A definition file holds one YAML document (no “---”).")
            )
        return refuse(
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
            N_("This is not valid YAML: %(problem)s."),
            problem=problem[:120],
        )
    except yaml.YAMLError as err:  # pragma: no cover - PyYAML marks its errors
        return refuse(None, None, N_("This is not valid YAML: %(problem)s."), problem=str(err)[:120])
    finally:
        loader.dispose()
    return Source(name, data, builder.positions), []

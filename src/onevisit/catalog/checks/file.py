"""Checking a whole definition file: uniqueness, vocabulary, departments and bundles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from onevisit.catalog.bundles import MergeConflict, MergedBundle, merge_bundle
from onevisit.catalog.checks.service import _ServiceChecker
from onevisit.catalog.checks.shape import shape_problems
from onevisit.catalog.definitions import (
    BundleDefinition,
    DefinitionFile,
    ServiceDefinition,
)
from onevisit.catalog.errors import CatalogError, Problem
from onevisit.catalog.references import References
from onevisit.catalog.vocabulary import (
    LIFE_EVENT_BY_CODE,
    TOPIC_BY_CODE,
)
from onevisit.catalog.yamlsource import Path, Source, format_path
from onevisit.kernel.i18n import N_


@dataclass
class Checked:
    """A file that passed: its definitions, and each bundle merged with its members."""

    file: DefinitionFile
    merged: dict[str, MergedBundle] = field(default_factory=dict)


def check_file(source: Source, refs: References) -> tuple[Checked | None, list[Problem]]:
    try:
        parsed = DefinitionFile.model_validate(source.data)
    except ValidationError as exc:
        return None, shape_problems(source, exc)
    checker = _Checker(source, refs, parsed)
    merged = checker.run()
    if checker.problems:
        checker.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        return None, checker.problems
    return Checked(parsed, merged), []


class _Checker:
    def __init__(self, source: Source, refs: References, parsed: DefinitionFile) -> None:
        self.source = source
        self.refs = refs
        self.parsed = parsed
        self.problems: list[Problem] = []

    def add(self, path: Path, error: CatalogError, message: str, /, **params: object) -> None:
        self.problems.append(self.source.problem(path, error, message, **params))

    def run(self) -> dict[str, MergedBundle]:
        seen: dict[str, Path] = {}
        for kind, listed in (("services", self.parsed.services), ("bundles", self.parsed.bundles)):
            for index, definition in enumerate(listed):
                path: Path = (kind, index)
                if definition.code in seen:
                    self.add(
                        (*path, "code"),
                        CatalogError.DUPLICATE,
                        N_("Code %(code)s is defined twice in this file (also at %(other)s)."),
                        code=definition.code,
                        other=format_path(seen[definition.code]),
                    )
                seen[definition.code] = path
                existing = self.refs.catalogue(definition.code)
                wanted = "service" if kind == "services" else "bundle"
                if existing is not None and existing[0] != wanted:
                    self.add(
                        (*path, "code"),
                        CatalogError.KIND_CHANGED,
                        N_("%(code)s is already in the catalogue as a %(kind)s."),
                        code=definition.code,
                        kind=existing[0],
                    )
        for index, service in enumerate(self.parsed.services):
            _ServiceChecker(self, ("services", index), service).run()
        merged: dict[str, MergedBundle] = {}
        for index, bundle in enumerate(self.parsed.bundles):
            result = self.check_bundle(("bundles", index), bundle)
            if result is not None:
                merged[bundle.code] = result
        return merged

    def vocabulary(self, path: Path, life_events: Sequence[str], topics: Sequence[str]) -> None:
        for i, code in enumerate(life_events):
            if code not in LIFE_EVENT_BY_CODE:
                self.add(
                    (*path, "life_events", i),
                    CatalogError.VOCABULARY,
                    N_("There is no life event “%(code)s”; choose from: %(choices)s."),
                    code=code,
                    choices=", ".join(LIFE_EVENT_BY_CODE),
                )
        for i, code in enumerate(topics):
            if code not in TOPIC_BY_CODE:
                self.add(
                    (*path, "topics", i),
                    CatalogError.VOCABULARY,
                    N_("There is no topic “%(code)s”; choose from: %(choices)s."),
                    code=code,
                    choices=", ".join(TOPIC_BY_CODE),
                )

    def department(self, path: Path, code: str) -> None:
        if code not in self.refs.departments:
            self.add(path, CatalogError.DEPARTMENT_UNKNOWN, N_("There is no department %(code)s."), code=code)

    def check_bundle(self, path: Path, bundle: BundleDefinition) -> MergedBundle | None:
        self.vocabulary(path, bundle.life_events, bundle.topics)
        in_file = {s.code: s for s in self.parsed.services}
        members: list[ServiceDefinition] = []
        for i, code in enumerate(bundle.services):
            if code in in_file:
                members.append(in_file[code])
                continue
            found = self.refs.catalogue(code)
            if found is None:
                self.add(
                    (*path, "services", i),
                    CatalogError.SERVICE_UNKNOWN,
                    N_("There is no service %(code)s in the catalogue or in this file."),
                    code=code,
                )
            elif found[1] is None:
                self.add(
                    (*path, "services", i),
                    CatalogError.SERVICE_UNKNOWN,
                    N_("%(code)s is a bundle: a bundle combines services only."),
                    code=code,
                )
            else:
                members.append(found[1])
        if len(members) != len(bundle.services):
            return None
        try:
            return merge_bundle(bundle, members)
        except MergeConflict as conflict:
            index = bundle.services.index(conflict.service) if conflict.service in bundle.services else None
            where: Path = (*path, "services", index) if index is not None else (*path, "services")
            self.add(where, CatalogError.BUNDLE_CONFLICT, conflict.message, **conflict.params)
            return None

"""Loading definition files into the catalogue: all or nothing per file, versioned, audited.

``load_file`` reads the YAML (keeping line numbers), checks its shape, its references and
its rules (:mod:`onevisit.catalog.checks`) and, only when everything holds, stores each
service and bundle in one transaction:

- a definition identical to the current version (same canonical JSON) is left alone;
- a changed one becomes a new version — earlier versions stay, so an application keeps
  the version it started with;
- bundles are merged again, as a new version, whenever one of their members changes
  (a change that would make a bundle conflict rejects the file);
- each service's datahub use (``data_use``, by default its code) is registered when the
  datahub does not know it yet, so applications can read the applicant's records under it.

Every load is recorded — file name, digest, text, who, when, what changed — and a rejected
file is recorded too, with its problems, in a transaction of its own (nothing else is
written). ``load_paths`` loads several files in dependency order: files that only define
services before files that define bundles.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from onevisit.catalog.bundles import MergeConflict, MergedBundle, member_versions, merge_bundle
from onevisit.catalog.checks import Checked, check_file
from onevisit.catalog.definitions import BundleDefinition, ServiceDefinition
from onevisit.catalog.errors import CatalogError, DefinitionRejected, Problem
from onevisit.catalog.models import Service, ServiceLoad, ServiceTag, ServiceVersion
from onevisit.catalog.references import References, from_database
from onevisit.catalog.vocabulary import LIFE_EVENT_BY_CODE, TOPIC_BY_CODE
from onevisit.catalog.yamlsource import Source, read_source
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict
from onevisit.kernel.i18n import N_, translator
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork

SUFFIXES = (".yaml", ".yml")
_REMERGE = N_("Bundle %(bundle)s could not be merged with this version: %(problem)s")


@dataclass
class LoadResult:
    file_name: str
    load_id: int
    status: str  #: loaded / unchanged
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest_of(data: Any) -> str:
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def check_content(platform: Platform, name: str, content: bytes) -> tuple[Checked | None, list[Problem]]:
    """Checks a file against the platform's current references without storing anything."""
    source, problems = read_source(name, content)
    if source is None:
        return None, problems
    with platform.db.session() as session:
        return check_file(source, from_database(session))


def load_file(platform: Platform, actor: Principal, *, name: str, content: bytes, ip: str | None = None) -> LoadResult:
    """Loads one file, all or nothing. Raises :class:`DefinitionRejected` (after recording
    the rejected load; its id is ``err.load_id``) when anything in it is wrong."""
    name = Path(name).name[:255] or "definitions.yaml"
    try:
        with platform.uow(actor, ip=ip) as uow:
            return _load(uow, name, content)
    except DefinitionRejected as err:
        with platform.uow(actor, ip=ip) as uow:
            load = _record(uow, name, content, status="rejected", codes=[])
            load.problems = [p.to_json() for p in err.problems]
            uow.audit("catalog.load_rejected", "catalog_load", load.id, {"file": name, "problems": len(err.problems)})
            uow.session.flush()
            err.load_id = load.id
        raise
    except IntegrityError as err:  # pragma: no cover - two loads of one service racing
        raise Conflict(
            CatalogError.REJECTED, N_("Another load changed the catalogue at the same time. Load the file again.")
        ) from err


def load_paths(
    platform: Platform, actor: Principal, paths: Sequence[Path], *, ip: str | None = None
) -> list[LoadResult | DefinitionRejected]:
    """Loads every YAML file named (directories: their ``*.yaml`` files, sorted), files that
    define bundles last; each file all or nothing. Returns each file's result or rejection."""
    files = expand(paths)
    contents = [(path, path.read_bytes()) for path in files]
    contents.sort(key=lambda entry: b"\nbundles:" in b"\n" + entry[1])  # stable: services first
    results: list[LoadResult | DefinitionRejected] = []
    for path, content in contents:
        try:
            results.append(load_file(platform, actor, name=path.name, content=content, ip=ip))
        except DefinitionRejected as err:
            results.append(err)
    return results


def expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()))
        else:
            files.append(path)
    return files


# --- storing ---------------------------------------------------------------------------------


def _record(uow: UnitOfWork, name: str, content: bytes, *, status: str, codes: list[str]) -> ServiceLoad:
    actor = uow.actor
    load = ServiceLoad(
        file_name=name,
        digest=hashlib.sha256(content).hexdigest(),
        source=content.decode("utf-8", errors="replace"),
        status=status,
        loaded_at=uow.clock.now(),
        actor=(actor.display_name or str(actor.kind))[:128],
        account_id=actor.account_id,
        added=0,
        updated=0,
        unchanged=0,
        codes=codes,
        problems=[],
    )
    uow.session.add(load)
    uow.session.flush()
    return load


def _load(uow: UnitOfWork, name: str, content: bytes) -> LoadResult:
    source, problems = read_source(name, content)
    if source is None:
        raise DefinitionRejected(problems)
    session = uow.session
    refs = from_database(session)
    checked, problems = check_file(source, refs)
    if checked is None:
        raise DefinitionRejected(problems)
    parsed = checked.file
    codes = [s.code for s in parsed.services] + [b.code for b in parsed.bundles]
    load = _record(uow, name, content, status="loaded", codes=codes)
    result = LoadResult(name, load.id, "loaded")
    names = _department_names(uow)
    versions: dict[str, int] = {}
    changed: set[str] = set()
    for service in parsed.services:
        outcome, version = _store_service(uow, load, service, names)
        _tally(result, service.code, outcome)
        versions[service.code] = version
        if outcome != "unchanged":
            changed.add(service.code)
        _ensure_data_use(uow, service)
    for bundle in parsed.bundles:
        merged = member_versions(checked.merged[bundle.code], _member_versions(session, bundle, versions))
        outcome, _version = _store_bundle(uow, load, bundle, merged, names)
        _tally(result, bundle.code, outcome)
    _remerge_bundles(uow, load, source, parsed.services, changed, {b.code for b in parsed.bundles}, refs, names)
    load.added, load.updated, load.unchanged = len(result.added), len(result.updated), len(result.unchanged)
    if not result.added and not result.updated:
        load.status = result.status = "unchanged"
    uow.audit(
        "catalog.loaded",
        "catalog_load",
        load.id,
        {"file": name, "added": result.added, "updated": result.updated, "unchanged": len(result.unchanged)},
    )
    return result


def _tally(result: LoadResult, code: str, outcome: str) -> None:
    {"added": result.added, "updated": result.updated, "unchanged": result.unchanged}[outcome].append(code)


def _department_names(uow: UnitOfWork) -> dict[str, tuple[str, str]]:
    from onevisit.identity.models import Department

    rows = uow.session.execute(select(Department.code, Department.name_zh, Department.name_en))
    return {code: (zh, en) for code, zh, en in rows}


def _search_text(parts: Iterable[str]) -> str:
    return "\n".join(p.strip().lower() for p in parts if p and p.strip())


def _listing_text(
    definition: ServiceDefinition | BundleDefinition, departments: Sequence[str], names: dict[str, tuple[str, str]]
) -> str:
    zh, en = translator("zh"), translator("en")
    parts = [
        definition.code,
        definition.name.zh,
        definition.name.en,
        definition.description.zh,
        definition.description.en,
    ]
    if definition.keywords is not None:
        parts.extend([*definition.keywords.zh, *definition.keywords.en])
    for code in definition.life_events:
        label = LIFE_EVENT_BY_CODE[code].label
        parts.extend([zh(label), en(label)])
    for code in definition.topics:
        label = TOPIC_BY_CODE[code].label
        parts.extend([zh(label), en(label)])
    for code in departments:
        parts.extend(names.get(code, ("", "")))
    return _search_text(parts)


def _upsert(
    uow: UnitOfWork,
    load: ServiceLoad,
    *,
    kind: str,
    code: str,
    definition: dict[str, Any],
    listing: dict[str, Any],
    tags: list[tuple[str, str]],
) -> tuple[str, int]:
    session = uow.session
    digest = digest_of(definition)
    row = session.scalar(select(Service).where(Service.code == code))
    if row is not None and row.version:
        current = session.scalar(
            select(ServiceVersion.digest).where(
                ServiceVersion.service_id == row.id, ServiceVersion.version == row.version
            )
        )
        if current == digest:
            return "unchanged", row.version
    outcome = "added" if row is None or not row.version else "updated"
    if row is None:
        row = Service(code=code, kind=kind, version=0, **listing)
        session.add(row)
    for key, value in listing.items():
        setattr(row, key, value)
    row.kind = kind
    row.version = (row.version or 0) + 1
    row.updated_at = uow.clock.now()
    session.flush()
    session.add(
        ServiceVersion(
            service_id=row.id,
            version=row.version,
            definition=definition,
            digest=digest,
            load_id=load.id,
            created_at=uow.clock.now(),
        )
    )
    session.execute(delete(ServiceTag).where(ServiceTag.service_id == row.id))
    if tags:
        session.execute(
            insert(ServiceTag), [{"facet": f, "value": v, "service_id": row.id} for f, v in sorted(set(tags))]
        )
    detail = {"version": row.version, "load": load.id}
    if kind == "bundle":
        if outcome == "added":
            uow.audit("catalog.bundle_added", "catalog_bundle", code, detail)
        else:
            uow.audit("catalog.bundle_updated", "catalog_bundle", code, detail)
    elif outcome == "added":
        uow.audit("catalog.service_added", "catalog_service", code, detail)
    else:
        uow.audit("catalog.service_updated", "catalog_service", code, detail)
    return outcome, row.version


def _store_service(
    uow: UnitOfWork, load: ServiceLoad, service: ServiceDefinition, names: dict[str, tuple[str, str]]
) -> tuple[str, int]:
    departments = service.involved_departments()
    listing = {
        "name_zh": service.name.zh,
        "name_en": service.name.en,
        "summary_zh": service.description.zh,
        "summary_en": service.description.en,
        "department_code": service.lead_department,
        "audience": service.audience,
        "life_event": service.life_events[0] if service.life_events else "",
        "instant": service.instant_approval is not None,
        "committed_days": service.time_limits.committed_days,
        "search_text": _listing_text(service, departments, names),
    }
    tags = _tags(service.life_events, service.topics, departments)
    return _upsert(
        uow,
        load,
        kind="service",
        code=service.code,
        definition=service.model_dump(mode="json", exclude_none=True),
        listing=listing,
        tags=tags,
    )


def _store_bundle(
    uow: UnitOfWork,
    load: ServiceLoad,
    bundle: BundleDefinition,
    merged: MergedBundle,
    names: dict[str, tuple[str, str]],
) -> tuple[str, int]:
    listing = {
        "name_zh": bundle.name.zh,
        "name_en": bundle.name.en,
        "summary_zh": bundle.description.zh,
        "summary_en": bundle.description.en,
        "department_code": merged.departments[0],
        "audience": bundle.audience,
        "life_event": bundle.life_events[0] if bundle.life_events else "",
        "instant": merged.instant,
        "committed_days": merged.time_limits.committed_days,
        "search_text": _listing_text(bundle, merged.departments, names),
    }
    definition = {
        "bundle": bundle.model_dump(mode="json", exclude_none=True),
        "merged": merged.model_dump(mode="json", exclude_none=True),
    }
    tags = _tags(bundle.life_events, bundle.topics, merged.departments)
    return _upsert(uow, load, kind="bundle", code=bundle.code, definition=definition, listing=listing, tags=tags)


def _tags(life_events: Sequence[str], topics: Sequence[str], departments: Sequence[str]) -> list[tuple[str, str]]:
    return (
        [("life_event", c) for c in life_events]
        + [("topic", c) for c in topics]
        + [("department", c) for c in departments]
    )


def _member_versions(session: Any, bundle: BundleDefinition, fresh: dict[str, int]) -> dict[str, int]:
    wanted = [code for code in bundle.services if code not in fresh]
    stored = dict(session.execute(select(Service.code, Service.version).where(Service.code.in_(wanted))).all())
    return {**stored, **fresh}


def _remerge_bundles(  # noqa: PLR0917 - private step of _load()
    uow: UnitOfWork,
    load: ServiceLoad,
    source: Source,
    services: Sequence[ServiceDefinition],
    changed: set[str],
    in_file: set[str],
    refs: References,
    names: dict[str, tuple[str, str]],
) -> None:
    """Bundles elsewhere in the catalogue whose members this file changed get a new merge."""
    if not changed:
        return
    session = uow.session
    rows = session.execute(
        select(Service.code, ServiceVersion.definition)
        .join(ServiceVersion, (ServiceVersion.service_id == Service.id) & (ServiceVersion.version == Service.version))
        .where(Service.kind == "bundle")
    ).all()
    fresh = {s.code: s for s in services}
    problems: list[Problem] = []
    for code, stored in rows:
        if code in in_file:
            continue
        bundle = BundleDefinition.model_validate(stored["bundle"])
        if not changed.intersection(bundle.services):
            continue
        members: list[ServiceDefinition] = []
        for member in bundle.services:
            found = fresh.get(member) or (refs.catalogue(member) or ("", None))[1]
            if found is not None:
                members.append(found)
        try:
            merged = merge_bundle(bundle, members)
        except MergeConflict as conflict:
            index = next((i for i, s in enumerate(services) if s.code == conflict.service), 0)
            problem = translator("en")(conflict.message, **conflict.params)
            where = ("services", index)
            problems.append(source.problem(where, CatalogError.BUNDLE_CONFLICT, _REMERGE, bundle=code, problem=problem))
            continue
        versions = _member_versions(session, bundle, {})
        _store_bundle(uow, load, bundle, member_versions(merged, versions), names)
    if problems:
        raise DefinitionRejected(problems)


def _ensure_data_use(uow: UnitOfWork, service: ServiceDefinition) -> None:
    from onevisit.datahub.models import DataUse
    from onevisit.datahub.services.catalogue import register_use

    code = service.data_use or service.code
    if uow.session.scalar(select(DataUse.id).where(DataUse.code == code)) is None:
        register_use(
            uow,
            code=code,
            name_zh=service.name.zh[:64],
            name_en=service.name.en[:128],
            department_code=None,
            requires_consent=False,
        )

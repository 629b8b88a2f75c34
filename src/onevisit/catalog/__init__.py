"""Catalogue: the public services and "one matter" bundles the platform offers, defined
declaratively in YAML files an administrator loads (no code change to add or update a
service), versioned, browsable and searchable. See ``docs/catalog.md``.

The public face other modules use (``applications`` runs on it)::

    from onevisit import catalog

    entry = catalog.get_entry(session, "trans.ride_hailing_driver")   # the current version
    entry.service.form, entry.service.materials, entry.service.steps
    pinned = catalog.entry_by_version_id(session, application.service_version_id)
    schema = catalog.applicant_schema(entry.service)  # the facts its rules read
"""

from onevisit.catalog.bundles import MergedBundle
from onevisit.catalog.definitions import BundleDefinition, ServiceDefinition
from onevisit.catalog.errors import CatalogError, DefinitionRejected, Problem
from onevisit.catalog.facts import applicant_schema
from onevisit.catalog.services.browse import Entry, entry_by_version_id, get_entry, search_services, service_count
from onevisit.catalog.services.loading import LoadResult, load_file, load_paths

__all__ = [
    "BundleDefinition",
    "CatalogError",
    "DefinitionRejected",
    "Entry",
    "LoadResult",
    "MergedBundle",
    "Problem",
    "ServiceDefinition",
    "applicant_schema",
    "entry_by_version_id",
    "get_entry",
    "load_file",
    "load_paths",
    "search_services",
    "service_count",
]

"""The credentials module's periodic work, run by ``onevisit worker``:

* ``credentials.sync_datahub`` — reload the datahub's copy of the certificate library
  (``cert.person``, ``cert.enterprise``) with the certificates in force, hourly, so new,
  revoked and expired certificates show in dossiers (what ``onevisit credentials
  sync-datahub`` does).
"""

from __future__ import annotations

from onevisit.credentials.services.materials import sync_datahub
from onevisit.kernel.actors import system_actor
from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.platform import Platform


def sync(platform: Platform) -> int:
    report = sync_datahub(platform, system_actor("credentials-worker"))
    return report.people + report.enterprises


def periodic_jobs(platform: Platform) -> list[PeriodicJob]:
    return [
        PeriodicJob(
            "credentials.sync_datahub",
            3600,
            sync,
            "Reload the datahub's copy of the certificate library with the certificates in force.",
        )
    ]

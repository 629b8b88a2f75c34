"""datahub access requests (the approval workflow); kernel_job_runs (the periodic-job worker)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in below once the models are final


def downgrade() -> None:
    pass

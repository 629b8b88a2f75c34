"""Imports every module's tables so ``Base.metadata`` is complete (for migrations and tests)."""

from __future__ import annotations

from onevisit.applications import models as applications_models
from onevisit.catalog import models as catalog_models
from onevisit.credentials import models as credentials_models
from onevisit.datahub import models as datahub_models
from onevisit.identity import models as identity_models
from onevisit.kernel import audit, events, jobs, notify
from onevisit.kernel.db import Base
from onevisit.ledger import models as ledger_models
from onevisit.payments import models as payments_models
from onevisit.policies import models as policies_models

MODULES = (audit, events, jobs, notify, identity_models, catalog_models, ledger_models, payments_models, datahub_models,
           credentials_models, applications_models, policies_models)
metadata = Base.metadata

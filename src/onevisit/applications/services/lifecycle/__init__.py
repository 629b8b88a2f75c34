"""An application's life: start (a draft, pre-filled), save, submit (checked, materials
resolved, rules decide), withdraw, supplement, and completion (the one payment, then the
certificates into the wallet).

``submit`` reads the applicant's records from the datahub first (a read is its own
transaction, logged on the applicant's "who used my data" page), then does everything
else in one unit of work: the form and every rule checked, materials resolved, and then
either the whole thing decided at once — instant approval: bill or certificates in the
same transaction, no human step — or the first review stage's tasks opened for the
departments. A second submit of the same draft changes nothing and returns it.
"""

from onevisit.applications.services.lifecycle.core import (
    MAX_FILE_BYTES,
    Upload,
    find_own,
    matter_for,
    record_history,
    save,
    working_days_after,
)
from onevisit.applications.services.lifecycle.deciding import resume
from onevisit.applications.services.lifecycle.drafts import apply, start, withdraw
from onevisit.applications.services.lifecycle.submitting import submit

__all__ = [
    "MAX_FILE_BYTES",
    "Upload",
    "apply",
    "find_own",
    "matter_for",
    "record_history",
    "resume",
    "save",
    "start",
    "submit",
    "withdraw",
    "working_days_after",
]

"""Policies: Qinqing-style policy engine. A department publishes a policy (an eligibility
rule and a benefit formula in the rules language, a budget, a period); matching runs over
every enterprise with facts from the datahub; each eligible enterprise gets an offer and an
SMS; its legal representative confirms with one click and is paid at once through payments,
within budget; every decision keeps its explanation; payouts found wrong are clawed back.

See ``docs/policies.md``.
"""

from onevisit.policies.models import OfferStatus, PolicyStatus, Recurrence
from onevisit.policies.services.drafting import PolicyDraft, create_policy, publish
from onevisit.policies.services.matching import match
from onevisit.policies.services.offers import clawback, confirm

__all__ = [
    "OfferStatus",
    "PolicyDraft",
    "PolicyStatus",
    "Recurrence",
    "clawback",
    "confirm",
    "create_policy",
    "match",
    "publish",
]

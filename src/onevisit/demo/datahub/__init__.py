"""The demo province's public data platform: 34 catalogue items from all 27 departments,
derived from the seeded population so that every department tells the same story.

Everything is read back from the database the province was just loaded into (people,
family ties, enterprises), so marriage records name the spouse ``person_relations`` holds,
birth records the parents, business registrations the enterprises' own rows, and so on.
Attributes are drawn from one generator seeded with ``(seed, 4)``, indexed by person row,
so the same province always gets the same records. Records are generated in blocks of
people taken in subject-key order and inserted in primary-key order (append-only B-tree
writes), sealed with the vault like any other load.

A few things are planted for the data-quality features: about 2 % of social-insurance
records carry an older contact address than household registration (flagged as a
conflict, never merged), about 1 % of enterprise tax records an older registered address,
and the land-contract source was last loaded 90 days ago although it declares a monthly
update (shown as stale).
"""

from onevisit.demo.datahub.catalogue import ITEMS, STALE_ITEM
from onevisit.demo.datahub.seed import DatahubSeedReport, seed_datahub

__all__ = ["ITEMS", "STALE_ITEM", "DatahubSeedReport", "seed_datahub"]

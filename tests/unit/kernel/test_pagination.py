from __future__ import annotations

from sqlalchemy import select

from onevisit.identity.models import Region
from onevisit.identity.regions import DIVISIONS
from onevisit.kernel.pagination import MAX_PER_PAGE, Page, paginate
from onevisit.kernel.platform import Platform


def test_pages_split_the_rows_without_loss_or_overlap(platform: Platform) -> None:
    stmt = select(Region.code).order_by(Region.code)
    with platform.db.session() as session:
        first = paginate(session, stmt, page=1, per_page=50)
        pages = [first] + [paginate(session, stmt, page=n, per_page=50) for n in range(2, first.pages + 1)]
    codes = [c for p in pages for c in p.items]
    assert codes == sorted(d.code for d in DIVISIONS)
    assert first.total == len(DIVISIONS)
    assert first.pages == -(-len(DIVISIONS) // 50)
    assert (first.has_previous, first.has_next) == (False, True)
    assert (pages[-1].has_previous, pages[-1].has_next) == (True, False)


def test_page_and_size_are_clamped_to_sane_bounds(platform: Platform) -> None:
    stmt = select(Region.code).order_by(Region.code)
    with platform.db.session() as session:
        huge = paginate(session, stmt, page=1, per_page=10_000)
        zero = paginate(session, stmt, page=0, per_page=0)
        negative = paginate(session, stmt, page=-5, per_page=-1)
        beyond = paginate(session, stmt, page=999, per_page=20)
    assert huge.per_page == MAX_PER_PAGE and len(huge.items) == MAX_PER_PAGE
    assert (zero.page, zero.per_page, len(zero.items)) == (1, 1, 1)
    assert (negative.page, negative.per_page) == (1, 1)
    assert beyond.items == [] and not beyond.has_next


def test_an_empty_result_is_one_empty_page() -> None:
    page: Page[int] = Page(items=[], page=1, per_page=20, total=0)
    assert page.pages == 1
    assert not page.has_next and not page.has_previous

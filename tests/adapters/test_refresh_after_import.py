"""After a batch, the status of everyone it touched is recomputed (issue 5; R-CYC-4 applied at once)."""

from __future__ import annotations

from pathlib import Path

from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.cases import refresh_all_states, refresh_batch
from casehub.engine import EntitlementStatus
from casehub.models import EntitlementState
from casehub.policy import default_policy
from tests import factories

DATA = Path(__file__).parents[1] / "data"


async def test_r_cyc_4_an_imported_app_certification_updates_the_projection_at_once(db):
    people = await factories.people(5)
    policy = default_policy()
    await refresh_all_states(policy)  # as of today, nobody has ever certified: all overdue
    assert {s.status for s in await EntitlementState.all()} == {EntitlementStatus.SUSPENDED}
    data = (DATA / "app_results_gb18030.csv").read_bytes()
    batch = await import_source(
        make_plugin_manager(load_entrypoints=False), "app_results", data, "app.csv",
        after_batch=lambda b: refresh_batch(b, policy),
    )  # fmt: skip
    assert batch.status == "DONE"
    states = {s.person_id: s for s in await EntitlementState.all()}
    certified = {p.id for p in people[:3]} - {people[1].id}  # rows 3 and 5 passed, row 4 failed
    for person in people:
        state = states[person.id]
        if person.id in certified:
            assert state.last_certified_on is not None
        else:
            assert state.last_certified_on is None and state.status is EntitlementStatus.SUSPENDED

"""The demo's identity resolution: one run after the import, which finds the synthetic
caravan's deliberate near-duplicates (``registry.synthetic``: about 1.5% of the rows) and
queues them for review. Nothing is merged: the reviewer decides."""

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import Conflict

from . import services

# The demo trains on its whole register (7,000 people: under the engine's 20,000-record sample)
# with smaller pair budgets (passed only where the engine accepts them), about 5 s. A sample of
# 2,000 was tried: 2 records in 7 keep (2/7)² of the duplicate pairs, about 9 to learn from, and
# the planted near-duplicates found fell from 100 of 107 to 76. If the engine cannot train, the
# demo says so and goes on (``acogida dedup run`` trains with its own defaults).
DEMO_TRAINING_SAMPLE = services.TRAINING_SAMPLE
DEMO_TRAINING_OPTIONS = {"u_max_pairs": 1e6, "em_max_pairs": 5e5}


def seed_dedup(actor: audit.Actor) -> dict:
    """Train and run once; the figures (or, if no model could be trained, why not)."""
    user = User(username=actor.username or "demo", role="admin", is_active=True)
    try:
        result = services.run(actor=actor, user=user, threshold=services.DEFAULT_THRESHOLD,
                              training_sample=DEMO_TRAINING_SAMPLE,
                              training_options=DEMO_TRAINING_OPTIONS)
    except Conflict as exc:
        return {"skipped": str(exc.detail)[:160], "people": 0, "pairs": 0, "new": 0,
                "clusters": 0, "seconds": 0.0}
    run = result.run
    return {"people": run.people, "pairs": run.pairs, "new": run.new_pairs,
            "clusters": run.clusters, "seconds": run.seconds, "retrained": run.retrained,
            "model": result.model_version, "stages": result.stages}

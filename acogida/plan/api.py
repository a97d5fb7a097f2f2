"""Plan API ("Estás en tu casa"): eligibility, offers and a person's benefits."""

from acogida.accounts.api_support import AccessRouter

router = AccessRouter(tags=["plan"])

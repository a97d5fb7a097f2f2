from django.apps import AppConfig


class AsylumConfig(AppConfig):
    name = "acogida.asylum"
    label = "asylum"

    def ready(self) -> None:
        # a claim lodged with COMAR is an application the plan's eligibility counts
        from acogida.plan import facts

        from .selectors import claims_as_plan_applications

        if claims_as_plan_applications not in facts.APPLICATION_SOURCES:
            facts.APPLICATION_SOURCES.append(claims_as_plan_applications)

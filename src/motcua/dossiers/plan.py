"""A dossier's own processing plan: the steps copied from its process template at reception.

Stages run in increasing ``stage`` number; the steps of one stage run in parallel. When the last stage holds
only leader steps (and is not the first), it is the approval stage: the specialist who finishes the stage
before it submits the dossier for approval, and the leader's approval closes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from motcua.agencies.models import StaffRole

from .models import Dossier, DossierStep
from .workflow import steps_of


@dataclass
class Plan:
    steps: list[DossierStep]

    @property
    def process_steps(self) -> list[DossierStep]:
        return [step for step in self.steps if step.kind == DossierStep.Kind.PROCESS]

    @property
    def stages(self) -> list[int]:
        return sorted({step.stage for step in self.process_steps})

    def steps_in(self, stage: int) -> list[DossierStep]:
        return [step for step in self.process_steps if step.stage == stage]

    @property
    def approval_stage(self) -> int | None:
        stages = self.stages
        if len(stages) < 2:
            return None
        last = stages[-1]
        if all(step.role == StaffRole.LEADER for step in self.steps_in(last)):
            return last
        return None

    def next_stage_after(self, stage: int) -> int | None:
        return next((candidate for candidate in self.stages if candidate > stage), None)

    def open_siblings(self, step: DossierStep) -> list[DossierStep]:
        return [other for other in self.steps_in(step.stage) if other.pk != step.pk and other.is_open]

    @property
    def open_steps(self) -> list[DossierStep]:
        return [step for step in self.process_steps if step.is_open]

    def can_hand_over(self, step: DossierStep) -> bool:
        """Closing ``step`` either leaves parallel siblings running or opens a further processing stage."""
        if not step.is_open or step.kind != DossierStep.Kind.PROCESS or step.stage == self.approval_stage:
            return False
        if self.open_siblings(step):
            return True
        following = self.next_stage_after(step.stage)
        return following is not None and following != self.approval_stage

    def can_submit_for_approval(self, step: DossierStep) -> bool:
        """``step`` is the last open step of the last stage before approval."""
        if not step.is_open or step.kind != DossierStep.Kind.PROCESS or step.stage == self.approval_stage:
            return False
        if self.open_siblings(step):
            return False
        return self.next_stage_after(step.stage) in (None, self.approval_stage)


def plan_of(dossier: Dossier) -> Plan:
    return Plan(steps=steps_of(dossier))

"""Skill eligibility: an operator takes an interaction only with every required skill, at the required
proficiency, and a certification valid at that moment."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HeldSkill:
    skill: str
    proficiency: int
    certified_at: datetime | None
    certification_expires_at: datetime | None
    requires_certification: bool = True

    def certified_on(self, moment: datetime) -> bool:
        if not self.requires_certification:
            return True
        if self.certified_at is None or self.certified_at > moment:
            return False
        return self.certification_expires_at is None or moment < self.certification_expires_at


@dataclass(frozen=True)
class SkillRequirement:
    skill: str
    min_proficiency: int


def is_qualified(held: Mapping[str, HeldSkill], required: Iterable[SkillRequirement], moment: datetime) -> bool:
    for need in required:
        have = held.get(need.skill)
        if have is None or have.proficiency < need.min_proficiency or not have.certified_on(moment):
            return False
    return True

"""Every command has an Indonesian name and an English alias; both are answered."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    id: str  # the Indonesian name, shown in the Indonesian menu
    en: str  # the English alias, shown in the English menu
    key: str  # its description is `commands.<key>` in each catalog

    @property
    def names(self) -> list[str]:
        return [self.id] if self.id == self.en else [self.id, self.en]


START = Command("start", "start", "start")
HELP = Command("bantuan", "help", "help")

# In the order the menu shows them.
MENU = [START, HELP]

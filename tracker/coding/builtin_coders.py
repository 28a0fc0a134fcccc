"""The coders that ship with the tracker, registered through the same hook as any plugin's."""

from __future__ import annotations

from tracker.coding.coders import Coder


def _rules() -> Coder:
    from tracker.coding.coder import RuleCoder

    return RuleCoder()


def register_coders(register) -> None:  # noqa: ANN001 - the hook's signature, as plugins see it
    register("rules", _rules, "general English rules over the codebook's target phrases")

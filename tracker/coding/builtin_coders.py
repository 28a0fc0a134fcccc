"""The coders that ship with the tracker, registered through the same hook as any plugin's."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from igtracker.coding.coders import Coder


def _rules() -> Coder:
    from igtracker.coding.coder import RuleCoder

    return RuleCoder()


def _model() -> Coder:
    from igtracker.coding.model import ModelCoder

    return ModelCoder()


def _ensemble() -> Coder:
    from igtracker.coding.ensemble import EnsembleCoder

    return EnsembleCoder()


def _encoder() -> Coder:
    from igtracker.coding.ensemble import EncoderEnsembleCoder

    return EncoderEnsembleCoder()


def _llm() -> Coder:
    from igtracker.coding.llm import LLMCoder

    return LLMCoder()


def register_coders(register) -> None:  # noqa: ANN001 - the hook's signature, as plugins see it
    register("rules", _rules, "general rules over the codebook's target phrases: English, ar, de, es, fr, pt, ru, zh")
    register("model", _model, "a learned model (n-grams and the rules' reading) trained on the corpus's train split")
    register("ensemble", _ensemble, "the rules where they read a position, the model where they do not (default)")
    register("encoder", _encoder, "the ensemble over a model that also reads a multilingual sentence encoder: "
             "more accurate on most measures, about 40 times slower (the `encoder` extra)")
    register("llm", _llm, "a language model behind an OpenAI-compatible endpoint, its evidence checked against the "
             "text (off until TRACKER_LLM_URL and TRACKER_LLM_MODEL are set)")

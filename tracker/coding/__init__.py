"""Stance coding: the codebook, the coders behind one seam, attribution, analysts' codings and evaluation."""

from igtracker.coding.analyst import ReviewItem, review_queue, review_stance, set_analyst_stance
from igtracker.coding.codebook import Codebook, CodebookError, IssueSpec, load_codebook, sync_issues
from igtracker.coding.coder import CodedStance, code_text
from igtracker.coding.coders import Coder, CodingContext, available_coders, code_with, get_coder
from igtracker.coding.evaluate import EvalResult, evaluate, record_eval_run
from igtracker.coding.store_coding import CodingReport, code_documents

__all__ = [
    "Codebook",
    "CodebookError",
    "CodedStance",
    "Coder",
    "CodingContext",
    "CodingReport",
    "EvalResult",
    "IssueSpec",
    "ReviewItem",
    "available_coders",
    "code_documents",
    "code_text",
    "code_with",
    "evaluate",
    "get_coder",
    "load_codebook",
    "record_eval_run",
    "review_queue",
    "review_stance",
    "set_analyst_stance",
    "sync_issues",
]

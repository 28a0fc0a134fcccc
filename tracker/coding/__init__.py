"""Stance coding: the codebook, the rule coder, attribution, analysts' codings and evaluation."""

from tracker.coding.analyst import ReviewItem, review_queue, review_stance, set_analyst_stance
from tracker.coding.codebook import Codebook, CodebookError, IssueSpec, load_codebook, sync_issues
from tracker.coding.coder import CodedStance, CodingReport, code_documents, code_text
from tracker.coding.evaluate import EvalResult, evaluate, record_eval_run

__all__ = [
    "Codebook",
    "CodebookError",
    "CodedStance",
    "CodingReport",
    "EvalResult",
    "IssueSpec",
    "ReviewItem",
    "code_documents",
    "code_text",
    "evaluate",
    "load_codebook",
    "record_eval_run",
    "review_queue",
    "review_stance",
    "set_analyst_stance",
    "sync_issues",
]

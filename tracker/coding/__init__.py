"""Stance coding: the codebook, the rule coder, attribution, analysts' codings and evaluation."""

from tracker.coding.codebook import Codebook, CodebookError, IssueSpec, load_codebook, sync_issues
from tracker.coding.coder import CodedStance, CodingReport, code_documents, code_text

__all__ = [
    "Codebook",
    "CodebookError",
    "CodedStance",
    "CodingReport",
    "IssueSpec",
    "code_documents",
    "code_text",
    "load_codebook",
    "sync_issues",
]

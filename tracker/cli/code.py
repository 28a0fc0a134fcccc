"""`tracker code` (stance coding, analysts' codings, review) and `tracker eval` (measured accuracy)."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from tracker.cli.app import app, console
from tracker.coding import (
    code_documents,
    code_text,
    evaluate,
    get_coder,
    load_codebook,
    record_eval_run,
    review_queue,
    review_stance,
    set_analyst_stance,
    sync_issues,
)
from tracker.coding.coders import available_coders
from tracker.coding.evaluate import format_text
from tracker.coding.store_coding import record_coding_run
from tracker.db import session_scope
from tracker.errors import TrackerError
from tracker.models import POSITIONS
from tracker.store import open_store

code_app = typer.Typer(help="Code stances from documents; record and review analysts' codings.")
app.add_typer(code_app, name="code")

CODEBOOK_OPTION = typer.Option(None, "--codebook", help="Codebook YAML (default: the configured one).")
CODER_OPTION = typer.Option(None, "--coder", help="Which coder (`tracker code coders` lists them; default: "
                            "TRACKER_CODER, else ensemble).")


def _analyst(name: str | None) -> str:
    return name or getpass.getuser()


@code_app.callback(invoke_without_command=True)
def code(
    ctx: typer.Context,
    codebook: Path | None = CODEBOOK_OPTION,
    document: list[int] = typer.Option([], "--document", help="Recode just this document id (repeatable)."),
    coder: str | None = CODER_OPTION,
) -> None:
    """Code every document the coder has not coded under the current codebook and coder versions."""
    if ctx.invoked_subcommand is not None:
        return
    from tracker.config import get_settings

    book = load_codebook(codebook)
    started = datetime.now(UTC)
    with session_scope(open_store()) as session:
        report = code_documents(session, book, document_ids=document or None, coder=coder or get_settings().coder)
        record_coding_run(session, report, started)
    console.print(
        f"{report.coder} coder, codebook {report.codebook_version}: {report.documents_coded} documents coded, "
        f"{report.stances_added} stances added, {report.stances_removed} replaced"
    )
    for reason, count in sorted(report.uncoded.items()):
        console.print(f"  uncoded: {count} documents ({reason})", markup=False)
    if report.actors_created:
        console.print(f"  new actors found in text: {', '.join(report.actors_created)}", markup=False)


@code_app.command("coders")
def coders() -> None:
    """List the coders `--coder` can name: the built-in ones and any plugin's."""
    table = Table("name", "version", "what")
    for registered in available_coders():
        try:
            version = get_coder(registered.name).version
        except TrackerError as exc:
            version = f"unavailable: {exc}"
        table.add_row(registered.name, escape(version), escape(registered.description))
    console.print(table)


@code_app.command("set")
def set_stance(
    actor: str = typer.Argument(..., help="Actor id (slug) or a state's ISO alpha-3 code."),
    issue: str = typer.Argument(..., help="Issue id, e.g. control."),
    position: str = typer.Argument(..., help=f"One of: {', '.join(POSITIONS)}."),
    evidence: str | None = typer.Option(None, "--evidence", help="URL of the statement."),
    note: str | None = typer.Option(None, "--note", help="Why: the quote or the reasoning."),
    analyst: str | None = typer.Option(None, "--analyst", help="Your name (default: the login name)."),
) -> None:
    """Record an analyst's coding; it wins over machine coding and supersedes your previous one."""
    with session_scope(open_store()) as session:
        sync_issues(session, load_codebook())  # the issues exist even before the first `tracker code`
        stance = set_analyst_stance(session, actor, issue, position, evidence_url=evidence, note=note,
                                    analyst=_analyst(analyst))
        console.print(f"stance {stance.id}: {actor} {position} on {issue} (analyst {stance.coder})")


@code_app.command("review")
def review(
    confirm: list[int] = typer.Option([], "--confirm", help="Confirm this stance id (repeatable)."),
    reject: list[int] = typer.Option([], "--reject", help="Reject this stance id (repeatable)."),
    analyst: str | None = typer.Option(None, "--analyst", help="Your name (default: the login name)."),
    issue: str | None = typer.Option(None, "--issue", help="Only this issue."),
    limit: int = typer.Option(50, "--limit", min=1),
) -> None:
    """List low-confidence and conflicting machine stances, or confirm/reject them."""
    with session_scope(open_store()) as session:
        for stance_id in confirm:
            review_stance(session, stance_id, confirm=True, analyst=_analyst(analyst))
            console.print(f"stance {stance_id} confirmed")
        for stance_id in reject:
            review_stance(session, stance_id, confirm=False, analyst=_analyst(analyst))
            console.print(f"stance {stance_id} rejected")
        if confirm or reject:
            return
        items = review_queue(session, issue_id=issue, limit=limit)
    if not items:
        console.print("nothing to review")
        return
    table = Table("id", "actor", "issue", "position", "conf.", "why", "evidence", title=f"{len(items)} to review")
    for item in items:
        table.add_row(str(item.stance_id), item.actor, item.issue_id, item.position, f"{item.confidence:.2f}",
                      item.reason, escape((item.evidence or "")[:160]))  # crawled text: no markup
    console.print(table)


@code_app.command("explain")
def explain(
    text: str = typer.Argument(..., help="A statement to read (quote it)."),
    speaker: list[str] = typer.Option([], "--speaker", help="Name or alias of who says it (repeatable)."),
    codebook: Path | None = CODEBOOK_OPTION,
) -> None:
    """Show the positions the coder reads in a text, whose they are, and the cues behind each."""
    stances = code_text(text, speaker, load_codebook(codebook))
    if not stances:
        console.print("no stance found")
        return
    table = Table("holder", "issue", "position", "conf.", "how", "sentence", title=f"{len(stances)} readings")
    for s in stances:
        table.add_row(escape(s.holder_label), s.issue_id, s.position, f"{s.confidence:.2f}",
                      escape(f"{s.kind}: {s.trace}"), escape(s.evidence[:120]))
    console.print(table)


@app.command("eval")
def eval_command(
    gold: Path | None = typer.Argument(None, help="Gold statements, one JSON object per line (or use --split)."),
    split: str | None = typer.Option(None, "--split", help="A split of the bundled corpus: train, dev or test."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    baseline: bool = typer.Option(False, "--baseline", help="Score the plain keyword coder instead."),
    min_macro_f1: float | None = typer.Option(None, "--min-macro-f1", help="Exit 1 below this macro-F1 (for CI)."),
    codebook: Path | None = CODEBOOK_OPTION,
    record: bool = typer.Option(True, "--record/--no-record", help="Keep the score in the store's job history."),
    coder: str | None = CODER_OPTION,
    publish: bool = typer.Option(False, "--publish", help="Ship this held-out score with the package (maintainers; "
                                 "needs --split test): briefings quote it until their store has its own."),
) -> None:
    """Score the stance coder on a gold file: P/R/F1 of support and oppose per issue, pooled macro-F1."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    if (gold is None) == (split is None):
        raise typer.BadParameter("give a gold file or --split, not both")
    if split is not None:
        from tracker.coding.corpus import split_path

        gold = split_path(split)
    assert gold is not None
    from tracker.config import get_settings

    result = evaluate(gold, load_codebook(codebook), baseline=baseline, coder=coder or get_settings().coder)
    result.split = split
    if output_format == "json":
        console.print_json(json.dumps(result.as_dict()))
    else:
        console.print(format_text(result), highlight=False)
    if publish:
        from tracker.coding.evaluate import publish_measurement

        console.print(f"published to {publish_measurement(result, gold)}", markup=False)
    if record:
        with session_scope(open_store()) as session:
            record_eval_run(session, result, gold)
    if min_macro_f1 is not None and result.macro_f1 < min_macro_f1:
        console.print(f"macro-F1 {result.macro_f1:.3f} is below the required {min_macro_f1:.2f}")
        raise SystemExit(1)  # typer.Exit is swallowed by the non-standalone entry point


@app.command("train")
def train_command(
    codebook: Path | None = CODEBOOK_OPTION,
    folds: int = typer.Option(5, "--folds", min=0, help="Cross-validation folds on train (0: none)."),
) -> None:
    """Rebuild the stance model from the corpus's train split; tune its thresholds and the ensemble on dev."""
    from tracker.coding.model import MODEL_FILE
    from tracker.coding.training import train

    model, validation, tuning = train(load_codebook(codebook), MODEL_FILE, folds=folds)
    if validation.scores:
        console.print(f"cross-validation on train ({folds} folds by event): macro-F1 {validation.mean:.3f} "
                      f"± {validation.stdev:.3f}")
    console.print(f"tuned on dev: model threshold {tuning.threshold:g} (macro-F1 {tuning.model_macro_f1:.3f}); "
                  f"ensemble {tuning.policy} (macro-F1 {tuning.ensemble_macro_f1:.3f})")
    console.print(f"wrote {MODEL_FILE} ({model.meta['train_statements']} statements, "
                  f"train sha256 {model.meta['train_sha256'][:12]})", markup=False)

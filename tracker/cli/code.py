"""`tracker code` (stance coding, analysts' codings, review) and `tracker eval` (measured accuracy)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer
from rich.markup import escape

from igtracker.cli.app import TrackerTyper, app, console
from igtracker.display import NAME_CHARS, printable

if TYPE_CHECKING:
    from igtracker.coding import CodedStance

POSITIONS = ("support", "oppose", "neutral")  # = igtracker.models.POSITIONS, without importing the models

code_app = TrackerTyper(help="Code stances from documents; record and review analysts' codings.")
app.add_typer(code_app, name="code")

CODEBOOK_OPTION = typer.Option(None, "--codebook", help="Codebook YAML (default: the configured one).")
CODER_OPTION = typer.Option(None, "--coder", help="Which coder (`tracker code coders` lists them; default: "
                            "TRACKER_CODER, else ensemble).")


def _coder_name(name: str | None) -> str:
    from igtracker.config import get_settings

    return name or get_settings().coder


def _speaker_kind(value: str | None) -> str | None:
    """A kind of actor as the store names it ("government" is accepted for "state"); a clear error otherwise."""
    from igtracker.coding.holder_kinds import KINDS, holder_kind

    if value is None:
        return None
    kind = holder_kind(value)
    if kind is None:
        raise typer.BadParameter(f"unknown kind {value!r}; use one of {', '.join(KINDS)}",
                                 param_hint="--speaker-kind")
    return kind


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
    from igtracker.config import get_settings
    from igtracker.jobs import run_command_job
    from igtracker.store import open_existing_store

    settings = get_settings()
    open_existing_store(settings).dispose()
    # through the job layer: never beside the scheduler's code job (the store's "code" lock), recorded in job_runs
    result = run_command_job("code", settings, codebook=codebook, coder=coder, documents=document)
    report = result.output
    console.print(
        f"{report.coder} coder, codebook {report.codebook_version}: {report.documents_coded} documents coded, "
        f"{report.stances_added} stances added, {report.stances_removed} replaced"
    )
    for reason, count in sorted(report.uncoded.items()):
        console.print(f"  uncoded: {count} documents ({reason})", markup=False)
    if report.actors_created:
        console.print(f"  new actors found in text: {', '.join(report.actors_created)}", markup=False)
    _print_requests(report.coder)


def _print_requests(name: str) -> None:
    """What a coder that asks a remote model did this run (the LLM coder's `counts`): sent, cached, rejected."""
    from igtracker.coding import get_coder

    counts = getattr(get_coder(name), "counts", None)
    if counts:
        console.print("  " + ", ".join(f"{what} {n}" for what, n in sorted(counts.items()) if n), markup=False)


@code_app.command("coders")
def coders() -> None:
    """List the coders `--coder` can name: the built-in ones and any plugin's."""
    from rich.table import Table

    from igtracker.coding import available_coders, get_coder
    from igtracker.errors import TrackerError

    table = Table("name", "version", "what")
    for registered in available_coders():
        try:
            version = get_coder(registered.name).version
        except TrackerError as exc:
            version = f"unavailable: {exc}"
        table.add_row(registered.name, escape(version), escape(registered.description))
    console.print(table)


def _evidence_url(value: str | None) -> str | None:
    """--evidence must be a web address an analyst can open later."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise typer.BadParameter(f"{value!r} is not a URL: give the statement's http(s) address")
    return value


@code_app.command("set")
def set_stance(
    actor: str = typer.Argument(..., help="Actor id (slug), a state's ISO alpha-3 code, or the actor's name.",
                               metavar="ACTOR"),
    issue: str = typer.Argument(..., help="Issue id, e.g. control.", metavar="ISSUE"),
    position: str = typer.Argument(..., help=f"One of: {', '.join(POSITIONS)}.", metavar="POSITION"),
    evidence: str | None = typer.Option(None, "--evidence", help="URL of the statement (http or https).",
                                        callback=_evidence_url),
    note: str | None = typer.Option(None, "--note", help="Why: the quote or the reasoning."),
    analyst: str | None = typer.Option(None, "--analyst", help="Your name (default: the login name)."),
) -> None:
    """Record an analyst's coding; it wins over machine coding and supersedes your previous one."""
    from igtracker.coding import load_codebook, set_analyst_stance, sync_issues
    from igtracker.db import session_scope
    from igtracker.store import open_existing_store

    with session_scope(open_existing_store()) as session:
        sync_issues(session, load_codebook())  # the issues exist even before the first `tracker code`
        stance = set_analyst_stance(session, actor, issue, position, evidence_url=evidence, note=note,
                                    analyst=_analyst(analyst))
        console.print(f"stance {stance.id}: {stance.actor.slug} {position} on {issue} (analyst {stance.coder})",
                      markup=False, highlight=False)


@code_app.command("review")
def review(
    confirm: list[int] = typer.Option([], "--confirm", help="Confirm this stance id (repeatable)."),
    reject: list[int] = typer.Option([], "--reject", help="Reject this stance id (repeatable)."),
    analyst: str | None = typer.Option(None, "--analyst", help="Your name (default: the login name)."),
    issue: str | None = typer.Option(None, "--issue", help="Only this issue."),
    limit: int = typer.Option(50, "--limit", min=1),
) -> None:
    """List machine stances to review (low confidence, conflicting, or resting on the holder's kind alone), or
    confirm/reject them."""
    from rich.table import Table

    from igtracker.coding import review_queue, review_stance
    from igtracker.db import session_scope
    from igtracker.store import open_existing_store

    with session_scope(open_existing_store()) as session:
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
        table.add_row(str(item.stance_id), escape(printable(item.actor, NAME_CHARS)), item.issue_id, item.position,
                      f"{item.confidence:.2f}", item.reason, escape(printable(item.evidence, 160)))  # crawled text
    console.print(table)


@code_app.command("explain")
def explain(
    text: str | None = typer.Argument(None, help="A statement to read (quote it).", metavar="TEXT"),
    speaker: list[str] = typer.Option([], "--speaker", help="Name or alias of who says it (repeatable)."),
    speaker_kind: str | None = typer.Option(
        None, "--speaker-kind", metavar="KIND",
        help="What kind of actor says it (state, igo, firm, ngo, technical, academic, media, individual): the "
             "model reads the same words differently from a state and from an NGO."),
    stance_id: int | None = typer.Option(None, "--stance", help="Explain this stored stance, read in its document."),
    codebook: Path | None = CODEBOOK_OPTION,
    coder: str | None = CODER_OPTION,
) -> None:
    """Show the positions the coder reads in a text (or behind a stored stance), whose they are, and the cues."""
    from igtracker.coding import CodingContext, code_with, get_coder, load_codebook
    from igtracker.coding.coder import default_lexicon
    from igtracker.language import detect_language

    if (text is None) == (stance_id is None):
        raise typer.BadParameter("give either a TEXT to read or --stance ID", param_hint="TEXT / --stance")
    book = load_codebook(codebook)
    if stance_id is not None:
        from igtracker.coding.explain import explain_stance
        from igtracker.db import session_scope
        from igtracker.store import open_existing_store

        with session_scope(open_existing_store(read_only=True)) as session:
            stance, stances = explain_stance(session, stance_id, book)
            console.print(f"stance {stance.id}: {stance.actor.slug} {stance.position} on {stance.issue_id}, "
                          f"coded {stance.note or ''}", markup=False, highlight=False, soft_wrap=True)
    else:
        context = CodingContext(tuple(speaker), default_lexicon(), detect_language(text or ""),
                                speaker_kind=_speaker_kind(speaker_kind))
        stances = code_with(get_coder(_coder_name(coder)), text or "", context, book)
    if not stances:
        console.print("no stance found" + ("" if stance_id is not None else
                      " (the coder reads a sentence with its neighbours and its speaker: --speaker NAME says who "
                      "'we' is, --stance ID reads a stored stance in its document)"), markup=False)
        return
    _print_readings(stances)


def _print_readings(stances: list[CodedStance]) -> None:
    from rich.table import Table

    table = Table("holder", "issue", "position", "conf.", "how", "sentence", title=f"{len(stances)} readings")
    for s in stances:
        table.add_row(escape(s.holder_label), s.issue_id, s.position, f"{s.confidence:.2f}",
                      escape(f"{s.kind}: {s.trace}"), escape(s.evidence[:120]))
    console.print(table)


@code_app.command("compare")
def compare_command(
    gold: Path | None = typer.Argument(None, help="Gold statements, one JSON object per line (or use --split).",
                                       metavar="GOLD"),
    split: str | None = typer.Option(None, "--split", help="A split of the bundled corpus: train, dev or test."),
    coder: list[str] = typer.Option(..., "--coder", help="A coder to compare (give --coder twice)."),
    limit: int = typer.Option(20, "--limit", min=0, help="Disagreements to list."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    codebook: Path | None = CODEBOOK_OPTION,
) -> None:
    """How far two coders agree on the same statements (Cohen's kappa per issue and pooled), and where they do not,
    for review."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    if len(coder) != 2:
        raise typer.BadParameter("give exactly two coders: --coder A --coder B", param_hint="--coder")
    if (gold is None) == (split is None):
        raise typer.BadParameter("give a GOLD file or --split, not both and not neither", param_hint="GOLD / --split")
    from igtracker.coding import load_codebook
    from igtracker.coding.compare import compare, format_text
    from igtracker.coding.corpus import split_path

    gold_path = split_path(split) if split is not None else gold
    assert gold_path is not None
    result = compare(gold_path, coder[0], coder[1], load_codebook(codebook))
    if output_format == "json":
        console.print_json(json.dumps(result.as_dict()))
    else:
        console.print(format_text(result, limit), markup=False, highlight=False, soft_wrap=True)  # crawled text


@app.command("eval")
def eval_command(
    gold: Path | None = typer.Argument(None, help="Gold statements, one JSON object per line (or use --split).",
                                       metavar="GOLD"),
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
    """Score a stance coder on a gold file or a corpus split: P/R/F1 of support and oppose per issue, pooled
    macro-F1, and macro-F1 by language and by actor kind."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    if (gold is None) == (split is None):
        raise typer.BadParameter("give a GOLD file or --split, not both and not neither", param_hint="GOLD / --split")
    from igtracker.coding import evaluate, load_codebook, record_eval_run
    from igtracker.coding.corpus import split_path
    from igtracker.coding.evaluate import format_text, publish_measurement
    from igtracker.db import session_scope
    from igtracker.store import open_existing_store

    gold_path = split_path(split) if split is not None else gold
    assert gold_path is not None
    store = open_existing_store() if record else None  # before scoring: a missing store fails fast
    result = evaluate(gold_path, load_codebook(codebook), baseline=baseline, coder=None if baseline else
                      _coder_name(coder))
    result.split = split
    if publish:
        console.print(f"published to {publish_measurement(result, gold_path)}", markup=False)
    if output_format == "json":
        console.print_json(json.dumps(result.as_dict()))
    else:
        console.print(format_text(result), highlight=False)
    if not baseline and output_format == "text":
        _print_requests(result.coder)
    if store is not None:
        with session_scope(store) as session:
            record_eval_run(session, result, gold_path)
    if min_macro_f1 is not None and result.macro_f1 < min_macro_f1:
        console.print(f"macro-F1 {result.macro_f1:.3f} is below the required {min_macro_f1:.2f}")
        raise typer.Exit(1)


@app.command("train")
def train_command(
    codebook: Path | None = CODEBOOK_OPTION,
    folds: int = typer.Option(5, "--folds", min=0, help="Cross-validation folds on train (0: none)."),
    encoder: bool = typer.Option(False, "--encoder", help="Train the `encoder` coder's model, which also reads a "
                                 "sentence encoder (the `encoder` extra; about 13 minutes on two cores)."),
) -> None:
    """Rebuild the stance model from the corpus's train split; tune its thresholds and the ensemble on dev."""
    from igtracker.coding import load_codebook
    from igtracker.coding.model import ENCODER_MODEL_FILE, MODEL_FILE
    from igtracker.coding.training import train

    out = ENCODER_MODEL_FILE if encoder else MODEL_FILE
    model, validation, tuning = train(load_codebook(codebook), out, folds=folds, encoder=encoder)
    if validation.scores:
        console.print(f"cross-validation on train ({folds} folds by event): macro-F1 {validation.mean:.3f} "
                      f"± {validation.stdev:.3f}")
    console.print(f"tuned on dev: model threshold {tuning.threshold:g} (macro-F1 {tuning.model_macro_f1:.3f}); "
                  f"ensemble {tuning.policy} (macro-F1 {tuning.ensemble_macro_f1:.3f})", markup=False)
    console.print(f"wrote {out} ({model.meta['train_statements']} statements, "
                  f"train sha256 {model.meta['train_sha256'][:12]})", markup=False)

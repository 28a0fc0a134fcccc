"""The learned stance model: per issue, support / oppose / none from word and character n-grams and the rules' reading.

Trained on the bundled corpus's train split (`tracker train`), small and CPU-only: for each issue a logistic
regression over TF-IDF word 1-2-grams, character 2-5-grams (which read any script, Chinese and Arabic included,
with no tokeniser to download), the rule engine's reading of the same text in its language (the speaker's rule
score for the issue, and the codebook's pro/anti and loaded targets found), the text's mean word vector (word
vectors distilled from a multilingual sentence encoder, `word_vectors.py`: what the text is about, in words the
corpus never used and across languages) and what kind of actor holds the passage (`holder_kinds.py`: the same
words weigh differently from a government and from a rights group), class-balanced; its decision
threshold is tuned on the dev split and its probabilities are mapped to confidences by a calibration fitted there
too. The artefact ships in the package with the hash of its training data, the seed, the codebook version and the
library versions it was built with.

A text is read in chunks of up to three sentences (statements in the corpus are one to six sentences long); a
chunk's predicted position is a stance in the text's own voice, its evidence the chunk's sentence that reads that
way most strongly. Quoted and reported voices are given to their speakers by the shared attribution step.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
import platform
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from igtracker.coding.attribution import ActorLexicon
from igtracker.coding.codebook import Codebook
from igtracker.coding.coder import SPEAKER_KEY, CodedStance, code_text, default_lexicon
from igtracker.coding.holder_kinds import KIND_DECIDES, KINDS, one_hot, voice_kind
from igtracker.coding.memo import in_document_scope, memoised
from igtracker.coding.multilingual import code_foreign, find_terms, foreign_language
from igtracker.coding.rules import find_targets, normalise
from igtracker.coding.sentence_encoder import ENCODER, SentenceEncoder, encoder_version
from igtracker.coding.sentences import Sentence, split_sentences
from igtracker.coding.tokens import tokenise
from igtracker.coding.voices import (
    CLOSING_LINE,
    FOLLOWING,
    QUOTE_CLOSERS,
    QuoteSpan,
    closing_line,
    quote_spans,
    reports_what_is_said,
    speaks,
    speech_spans,
    voices_of,
)
from igtracker.coding.word_vectors import VECTORS_FILE, WordVectors, load_vectors
from igtracker.config import PACKAGE_DATA
from igtracker.errors import TrackerError
from igtracker.language import detect_language

MODEL_DIR = PACKAGE_DATA / "model"
MODEL_FILE = MODEL_DIR / "stance-model.pickle.gz"
ENCODER_MODEL_FILE = MODEL_DIR / "stance-model-encoder.pickle.gz"  # the same, reading a sentence encoder too
META_FILE = MODEL_DIR / "stance-model.json"
SEED = 20261202
CLASSES = ("none", "support", "oppose")
CHUNK_SENTENCES = 3
MODEL_VERSION = "6"  # bump when the features, the learner or the chunks a text is read in change
WORD_VECTOR_WEIGHT = 1.0  # the dense block beside the TF-IDF blocks (each row of each is of unit length)
ENCODER_WEIGHT = 1.0  # the sentence encoder's block, where the model reads one (unit length too)
KIND_WEIGHT = 0.3  # the holder's kind, one-hot: small, so that its coefficients are held in (a prior, not a verdict)
# The share of training statements read as if their holder's kind were unknown (a voice nobody names, an actor the
# store does not know), so that the model reads such passages by their words rather than as nobody's.
KIND_DROPOUT = 0.25


def rule_features(texts: Sequence[str], codebook: Codebook, issues: Sequence[str],
                  language: str | None = None) -> sparse.csr_matrix:
    """Per text and issue: the rules' signed score for the speaker, and pro, anti, good and bad target hits.

    Each text is read by the rules of its language: the multilingual rules where they have cues for it, else the
    English rules (which find almost nothing in another language). `language` is the texts' own where known (a
    document's parts), else each text's is detected."""
    lexicon = default_lexicon()
    rows = []
    for text in texts:
        readings, hits = _rule_reading(text, codebook, issues, lexicon, language or detect_language(text))
        score: dict[str, float] = {}
        for stance in readings:
            if stance.holder == SPEAKER_KEY:
                score[stance.issue_id] = score.get(stance.issue_id, 0.0) + stance.score
        row = []
        for issue in issues:
            mine = [(orientation, valence) for found, orientation, valence in hits if issue in found]
            row += [
                score.get(issue, 0.0),
                float(sum(o > 0 for o, _ in mine)), float(sum(o < 0 for o, _ in mine)),
                float(sum(v * o > 0 for o, v in mine)), float(sum(v * o < 0 for o, v in mine)),
            ]
        rows.append(row)
    return sparse.csr_matrix(np.asarray(rows, dtype=float))


def _rule_reading(text: str, codebook: Codebook, issues: Sequence[str], lexicon: ActorLexicon,
                  language: str | None) -> tuple[list[CodedStance], list[tuple[tuple[str, ...], int, int]]]:
    """The rules' stances in `text` and its codebook targets as (issues, orientation, valence), in its language."""
    foreign = foreign_language(language)
    if foreign is not None:
        readings: list[CodedStance] = []
        hits: list[tuple[tuple[str, ...], int, int]] = []
        for sentence in split_sentences(text):  # the rules of other languages read sentence by sentence
            found = memoised(f"foreign-features:{foreign}", codebook, sentence.text,
                             lambda sentence=sentence: _foreign_reading(sentence.text, foreign, codebook, lexicon))
            readings += found[0]
            hits += found[1]
        return readings, hits
    body = normalise(text)
    hits = find_targets(body, codebook.compiled(), body, set(issues))
    return code_text(text, None, codebook, lexicon=lexicon), [(h.issues, h.orientation, h.valence) for h in hits]


def _foreign_reading(sentence: str, language: str, codebook: Codebook, lexicon: ActorLexicon,
                     ) -> tuple[tuple[CodedStance, ...], tuple[tuple[tuple[str, ...], int, int], ...]]:
    """One sentence's reading by the multilingual rules, shared by the chunks and sentences that hold it."""
    terms = [found.term for found in find_terms(sentence, language, codebook) if found.term is not None]
    return (tuple(code_foreign(sentence, language, (), codebook, lexicon)),
            tuple(((term.issue_id,), term.orientation, term.valence) for term in terms))


@dataclass
class StanceModel:
    """The fitted vectorisers and one calibrated classifier per issue."""

    issues: list[str]
    word: Any
    char: Any
    classifiers: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    vectors: WordVectors = field(default_factory=load_vectors)
    encoder: SentenceEncoder | None = None  # the `encoder` coder's model also reads a sentence encoder
    kinds: tuple[str, ...] = ()  # the holder kinds it reads, one column each (none: a model trained without)

    def features(self, texts: Sequence[str], codebook: Codebook, language: str | None = None,
                 kinds: Sequence[str | None] | None = None) -> sparse.csr_matrix:
        """The model's input for `texts` in `language` (where known), held by actors of `kinds` (None: unknown)."""
        from sklearn import config_context

        lowered = [t.lower() for t in texts]
        with config_context(assume_finite=True, skip_parameter_validation=True):  # our own, known-good input
            ngrams = [self.word.transform(lowered), self.char.transform(lowered)]
        meaning = [sparse.csr_matrix(WORD_VECTOR_WEIGHT * self.vectors.embed(texts))]
        if self.encoder is not None:
            meaning.append(sparse.csr_matrix(ENCODER_WEIGHT * self.encoder.embed(texts)))
        held_by = [sparse.csr_matrix(one_hot(kinds or [None] * len(texts), self.kinds, KIND_WEIGHT))] \
            if self.kinds else []
        return sparse.hstack([*ngrams, rule_features(texts, codebook, self.issues, language), *meaning,
                              *held_by]).tocsr()

    def probabilities(self, texts: Sequence[str], codebook: Codebook, language: str | None = None,
                      kinds: Sequence[str | None] | None = None) -> dict[str, np.ndarray]:
        """Issue -> an array (texts x CLASSES) of calibrated probabilities (`language`: the texts', where known;
        `kinds`: the kind of actor holding each text, where known)."""
        if not texts:
            return {issue: np.zeros((0, len(CLASSES))) for issue in self.issues}
        return self.predict(self.features(texts, codebook, language, kinds))

    def predict(self, matrix: sparse.csr_matrix) -> dict[str, np.ndarray]:
        """What each classifier's `predict_proba` gives for `matrix`, with one product for all issues.

        The classifiers are multinomial: `predict_proba` is the softmax of X @ coef.T + intercept. Stacking the
        issues' coefficients computes each issue's columns exactly as its own product would (the same sums in the
        same order) while the input is checked and multiplied once instead of once per issue."""
        from sklearn.utils.extmath import safe_sparse_dot, softmax

        fitted = [(issue, c) for issue, c in self.classifiers.items() if c is not None]
        stacked = self.__dict__.get("_stacked_coef")
        if stacked is None:
            stacked = np.vstack([c.coef_ for _, c in fitted]).T if fitted else None
            self.__dict__["_stacked_coef"] = stacked
        scores = safe_sparse_dot(matrix, stacked, dense_output=True) if fitted else None
        out = {}
        column = 0
        for issue, classifier in self.classifiers.items():
            ordered = np.zeros((matrix.shape[0], len(CLASSES)))
            if classifier is None:  # no position on this issue in the training data: always none
                ordered[:, 0] = 1.0
                out[issue] = ordered
                continue
            width = len(classifier.classes_)
            if width < 3:  # a binary classifier: not stacked, let scikit-learn do it
                probs = classifier.predict_proba(matrix)
            else:
                probs = softmax(scores[:, column:column + width] + classifier.intercept_, copy=False)
            column += classifier.coef_.shape[0]
            for index, label in enumerate(classifier.classes_):
                ordered[:, CLASSES.index(label)] = probs[:, index]
            out[issue] = ordered
        return out


def _vectorisers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, max_features=40000, sublinear_tf=True,
                           token_pattern=r"(?u)\b\w[\w'’-]*\b")
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_features=80000, sublinear_tf=True)
    return word, char


def _classifier(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=SEED)


def target_of(labels: dict[str, str], issue: str) -> str:
    value = labels.get(issue)
    return value if value in ("support", "oppose") else "none"


def fit_model(texts: Sequence[str], labels: Sequence[dict[str, str]], codebook: Codebook,
              c: float = 8.0, encoder: SentenceEncoder | None = None,
              kinds: Sequence[str | None] | None = None) -> StanceModel:
    """Fit the vectorisers and one classifier per codebook issue on texts and their gold labels (with `encoder`,
    the model reads its vectors too; with `kinds`, the kind of actor holding each text, KIND_DROPOUT of them
    hidden)."""
    issues = list(codebook.issue_ids)
    word, char = _vectorisers()
    lowered = [t.lower() for t in texts]
    word.fit(lowered)
    char.fit(lowered)
    model = StanceModel(issues, word, char, {}, encoder=encoder, kinds=KINDS if kinds is not None else ())
    matrix = model.features(texts, codebook, kinds=_hidden_at_random(kinds) if kinds is not None else None)
    for issue in issues:
        y = np.asarray([target_of(lab, issue) for lab in labels])
        model.classifiers[issue] = _classifier(c).fit(matrix, y) if len(set(y)) > 1 else None
    return model


def _hidden_at_random(kinds: Sequence[str | None]) -> list[str | None]:
    """`kinds` with KIND_DROPOUT of them unknown, the same ones on every run (the seed)."""
    hidden = np.random.default_rng(SEED).random(len(kinds)) < KIND_DROPOUT
    return [None if hide else kind for kind, hide in zip(kinds, hidden, strict=True)]


def data_hash(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def versions() -> dict[str, str]:
    import scipy
    import sklearn

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__}


def meta_path_for(path: Path) -> Path:
    """Where a model file's metadata lives: `stance-model.pickle.gz` -> `stance-model.json`."""
    return path.with_name(path.name.split(".", 1)[0] + ".json")


def save_model(model: StanceModel, path: Path = MODEL_FILE) -> None:
    """The fitted objects, pickled and gzipped (reproducibly: no timestamp), and the metadata beside them as JSON.

    Only scikit-learn objects in plain containers are pickled, never a class of this package, so the file loads
    whatever the package's modules are called. Plain pickle, not joblib: joblib unpickles in pure Python, 3 s for
    this model against 0.2 s, and every process that codes pays it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fitted = {"issues": model.issues, "word": model.word, "char": model.char, "classifiers": model.classifiers,
              "kinds": list(model.kinds)}
    path.write_bytes(gzip.compress(pickle.dumps(fitted, protocol=5), compresslevel=6, mtime=0))
    meta_path_for(path).write_text(json.dumps(model.meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_model(path: Path = MODEL_FILE) -> StanceModel:
    """The shipped model; a clear error where it is missing, was built with another scikit-learn or reads a
    sentence encoder that is not installed."""
    import sklearn

    if not path.exists():
        command = "tracker train --encoder" if path.name == ENCODER_MODEL_FILE.name else "tracker train"
        raise TrackerError(f"{path}: no trained stance model; build it with `{command}`")
    meta_path = meta_path_for(path)
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    built_with = meta.get("versions", {}).get("scikit-learn")
    if built_with and built_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise TrackerError(f"{path}: built with scikit-learn {built_with}, this is {sklearn.__version__}; "
                           "rebuild it with `tracker train` or install the scikit-learn the package pins")
    with gzip.open(path, "rb") as stream:  # streamed: never the compressed, the unzipped and the loaded at once
        fitted = pickle.load(stream)  # the package's own file, never a downloaded one
    vectors = load_vectors()
    if meta.get("word_vectors_sha256", vectors.sha256) != vectors.sha256:
        raise TrackerError(f"{path}: trained with other word vectors than {VECTORS_FILE}; rebuild it with "
                           "`tracker train`")
    encoder = SentenceEncoder() if meta.get("sentence_encoder") else None
    return StanceModel(fitted["issues"], fitted["word"], fitted["char"], fitted["classifiers"], meta, vectors,
                       encoder, tuple(fitted.get("kinds", ())))


def encoder_meta() -> dict[str, str]:
    """What a model trained with the sentence encoder records of it."""
    return {"name": ENCODER, "package": encoder_version()}


def read_in_chunks(text: str, language: str | None) -> tuple[list[list[Sentence]], set[int], list[str]]:
    """A text's chunks, the starts of its lines that only attribute a quote, and what the model reads of each chunk
    (`chunk_texts`, less the attribution lines that say nothing but who speaks).

    A chunk is consecutive sentences, up to CHUNK_SENTENCES, never across a paragraph break and never across the
    edge of a quote, so a quote's sentences are grouped as they would be in the speaker's own text. A report's
    sentence that only attributes the quote next to it ("X said on Tuesday:", "That was the verdict of X.") goes
    with the quote's chunk without counting: read alone, such a line reads as whatever the speaker's name is known
    for."""
    sentences = split_sentences(text)
    spans = quote_spans(text)
    quote_of = quote_segments(sentences, text, spans)
    frame_of = attribution_frames(sentences, text, quote_of, language)
    groups = _grouped(sentences, text, quote_of, frame_of)
    texts = chunk_texts(groups, text, spans, unread_lines(sentences, frame_of, language))
    return groups, {sentences[i].start for i in frame_of}, texts


def _grouped(sentences: Sequence[Sentence], text: str, quote_of: Sequence[int | None],
             frames: dict[int, str]) -> list[list[Sentence]]:
    out: list[list[Sentence]] = []
    lead: list[Sentence] = []
    counted = 0
    closed = False  # a quote's chunk ends with the line that says whose it was
    for index, sentence in enumerate(sentences):
        if frames.get(index) == "lead":
            lead.append(sentence)
            continue
        if frames.get(index) == "close":
            out[-1].append(sentence)
            closed = True
            continue
        current = out[-1] if out else None
        if (lead or closed or current is None or counted >= CHUNK_SENTENCES or quote_of[index] != quote_of[index - 1]
                or "\n\n" in text[current[-1].end:sentence.start].replace("\r", "")):
            out.append([*lead, sentence])
            lead, counted, closed = [], 1, False
        else:
            current.append(sentence)
            counted += 1
    return out


def attribution_frames(sentences: Sequence[Sentence], text: str, quote_of: Sequence[int | None],
                       language: str | None = None) -> dict[int, str]:
    """The report's own sentences that only introduce or attribute an adjacent quote, by index: a "lead" right
    before it (ending with a colon; on the same line; or naming a way of speaking in the text's language, in the
    same paragraph) or a "close" right after it naming whose it was ("That was the verdict of X."). Read alone, a
    short line of the report reads as whatever its names are known for."""
    found = {}
    for index, sentence in enumerate(sentences):
        if quote_of[index] is not None:
            continue
        body = sentence.text.strip()
        gap = text[sentence.end:sentences[index + 1].start].replace("\r", "") if index + 1 < len(sentences) else ""
        if (index + 1 < len(sentences) and quote_of[index + 1] is not None
                and (body.endswith((":", "：")) or "\n" not in gap or speaks(body, language) and "\n\n" not in gap)):
            found[index] = "lead"
        elif index > 0 and quote_of[index - 1] is not None and _names_the_speaker(body, language):
            found[index] = "close"
    return found


def _names_the_speaker(body: str, language: str | None) -> bool:
    """Whether a line right after a quote only says whose it was: "That was the verdict of X." in English; in
    another language a short line with a word of speech and nothing quoted ('“……。”外交部发言人表示。')."""
    foreign = foreign_language(language)
    if foreign is None:
        return FOLLOWING.match(body) is not None
    return closing_line(body, foreign) and speaks(body, foreign)


ATTRIBUTION_LINE = 160  # characters: a line that only says who speaks is short,
ATTRIBUTION_TAIL = 4  # and runs on a few words at most after its word of speech ("on Tuesday:", "after the meeting.")
REPORTED_CLAUSE = re.compile(r"(?<![\w-])that(?![\w-])", re.IGNORECASE)


def unread_lines(sentences: Sequence[Sentence], frames: dict[int, str], language: str | None) -> set[int]:
    """The starts of the attribution lines the model does not read with their quote: each closing line, and each
    lead that only says who speaks ("X said on Tuesday:", "X did not mince words."), not one that reports what was
    said ("X warned that ...", "ha subrayado que ...", "X表示，英国已放弃……")."""
    return {sentences[i].start for i, frame in frames.items()
            if frame == "close" or _only_attributes(sentences[i].text.strip(), language)}


def _only_attributes(body: str, language: str | None) -> bool:
    foreign = foreign_language(language)
    if len(body) > ATTRIBUTION_LINE or (reports_what_is_said(body, foreign) if foreign
                                        else REPORTED_CLAUSE.search(body) is not None):
        return False
    ends = [end for _start, end in speech_spans(body, language)]
    if ends:
        tail = tokenise(body[max(ends):], language or "en")
        return sum(1 for token in tail if any(c.isalnum() for c in token.form)) <= ATTRIBUTION_TAIL
    return body.endswith((":", "：")) and len(body) <= CLOSING_LINE


def chunk_texts(groups: Sequence[Sequence[Sentence]], text: str, spans: Sequence[QuoteSpan] | None = None,
                frames: Collection[int] = ()) -> list[str]:
    """What the model reads of each chunk: its text, less the quotation marks of the quote its sentences belong to
    (not scare quotes) and less the report's lines that only attribute the quote (by their starts among `frames`),
    so a speaker's words quoted in a report read as they would in the speaker's own text: the names in "X said on
    Tuesday:" are not the speaker's words. `spans`: the text's `quote_spans`, where already found."""
    spans = quote_spans(text) if spans is None else spans
    segment = dict(zip((s.start for g in groups for s in g),
                       quote_segments([s for g in groups for s in g], text, spans), strict=True))
    out = []
    for group in groups:
        read = [s for s in group if s.start not in frames] or group  # frames stand at a chunk's edges
        start, end = read[0].start, read[-1].end
        quotes = {segment[s.start] for s in group} - {None}
        marks = {i for q in quotes for i in _enclosing_marks(text, spans[q]) if start <= i < end}
        out.append("".join(c for i, c in enumerate(text[start:end], start) if i not in marks) if marks
                   else text[start:end])
    return out


def _enclosing_marks(text: str, span: QuoteSpan) -> list[int]:
    """Offsets of a quote's own marks: the opening one, the closing one, and the one opening each paragraph the
    quote runs on into."""
    opener = text[span.start]
    found = [span.start]
    if span.end - 1 > span.start and text[span.end - 1] in QUOTE_CLOSERS.get(opener, ""):
        found.append(span.end - 1)
    for i in range(span.start + 1, span.end):
        if text[i] == opener and text[:i].rstrip(" \t").endswith("\n"):
            found.append(i)
    return found


def quote_segments(sentences: Sequence[Sentence], text: str,
                   spans: Sequence[QuoteSpan] | None = None) -> list[int | None]:
    """For each sentence, the index of the quote it belongs to, or None for the text's own voice. A sentence
    belongs to a quote it starts inside ('B," X said.'), or one opening in it that covers most of it ('X said: "A.');
    a quoted word or two inside a sentence (scare quotes) leave it in the text's own voice. `spans`: the text's
    `quote_spans`, where already found."""
    spans = quote_spans(text) if spans is None else spans
    out: list[int | None] = []
    for sentence in sentences:
        found = None
        for index, span in enumerate(spans):
            if span.start <= sentence.start < span.end or sentence.start < span.start < sentence.end and (
                    min(span.end, sentence.end) - span.start) * 2 >= sentence.end - sentence.start:
                found = index
            if found is not None or span.start >= sentence.end:
                break
        out.append(found)
    return out


DEFAULT_THRESHOLD = 0.35
FLOOR = 0.2  # the least probability any reading is kept at; the ensemble filters above it on calibrated confidence


def decide(row: np.ndarray, threshold: float) -> str:
    """support or oppose where the likelier of the two reaches `threshold`, else none."""
    support, oppose = row[CLASSES.index("support")], row[CLASSES.index("oppose")]
    best, p = ("support", support) if support >= oppose else ("oppose", oppose)
    return best if p >= threshold else "none"


def calibrate(p: float, calibration: Sequence[float] | None) -> float:
    """A probability mapped to how often a reading that sure was right on dev (Platt: 1 / (1 + e^-(a p + b)))."""
    if not calibration:
        return p
    a, b = calibration
    return float(1 / (1 + np.exp(-(a * p + b))))


def fit_calibration(probabilities: Sequence[float], correct: Sequence[bool]) -> list[float]:
    """Platt scaling of the model's probabilities against whether its readings were right."""
    from sklearn.linear_model import LogisticRegression

    if len(set(correct)) < 2:
        return []
    fitted = LogisticRegression(C=1e4).fit(np.asarray(probabilities).reshape(-1, 1), np.asarray(correct))
    return [round(float(fitted.coef_[0][0]), 6), round(float(fitted.intercept_[0]), 6)]


class ModelCoder:
    """The learned model behind the coder seam."""

    name = "model"
    kind = "model"
    languages: frozenset[str] | None = None  # character n-grams read every language the corpus has

    def __init__(self, model: StanceModel | None = None, threshold: float | None = None,
                 calibration: Sequence[float] | None = None) -> None:
        self.model = model or load_model()
        self.threshold = threshold if threshold is not None else float(
            self.model.meta.get("threshold", DEFAULT_THRESHOLD))
        self.calibration = calibration if calibration is not None else self.model.meta.get("calibration")
        trained_on = self.model.meta.get("train_sha256", "unknown")[:8]
        self.version = f"{MODEL_VERSION}-{trained_on}.{self.model.vectors.sha256[:4]}"  # new data or vectors recode
        if self.model.encoder is not None:
            self.version += "+e5"

    @in_document_scope
    def code(self, text: str, context: Any, codebook: Codebook) -> list[CodedStance]:
        language = getattr(context, "language", None)
        groups, frames, texts = read_in_chunks(text, language)
        if not groups:
            return []
        kinds = self._kinds(groups, frames, text, context)
        # One batch: the chunks, then each sentence of a chunk of several on its own (as held by the chunk's
        # holder), for the chunk's evidence. Each row is read alone, so batching changes no probability.
        several = [(g, kind) for g, kind in zip(groups, kinds, strict=True) if len(g) > 1]
        matrix = self.model.features([*texts, *(s.text for g, _ in several for s in g)], codebook, language,
                                     [*kinds, *(kind for g, kind in several for _ in g)])
        probs = self.model.predict(matrix)
        found = [[(issue, label, float(probs[issue][index][CLASSES.index(label)])) for issue in self.model.issues
                  if (label := decide(probs[issue][index], self.threshold)) != "none"]
                 for index in range(len(groups))]
        alone = _by_chunk(several, probs, len(groups))
        unkind = self._without_kinds(matrix, [i for i, kind in enumerate(kinds) if kind and found[i]])
        out: list[CodedStance] = []
        for index, (group, kind, readings) in enumerate(zip(groups, kinds, found, strict=True)):
            held_by = f", held by {kind}" if kind else ""
            for issue, label, p in readings:
                evidence = _evidence(group, alone, issue, label, frames)
                confidence = calibrate(p, self.calibration)
                other = decide(unkind[index][issue], self.threshold) if index in unkind else label
                rests = f"; {KIND_DECIDES} (read {other} without it)" if other != label else ""
                out.append(CodedStance(issue, label, SPEAKER_KEY, "speaker", round(confidence, 3), evidence.text,
                                       evidence.start, evidence.end, "model",
                                       f"model p({label})={p:.2f} over {len(group)} sentence(s){held_by}{rests}",
                                       coder_kind="model"))
        return out

    def _without_kinds(self, matrix: sparse.csr_matrix, rows: list[int]) -> dict[int, dict[str, np.ndarray]]:
        """Row -> each issue's probabilities for that row of `matrix` read as if its holder's kind were unknown
        (the kind's columns, the last ones, zeroed), to tell the readings that rest on the kind alone."""
        if not rows:
            return {}
        mask = np.ones(matrix.shape[1])
        mask[matrix.shape[1] - len(self.model.kinds):] = 0.0
        probs = self.model.predict(sparse.csr_matrix(matrix[rows].multiply(mask)))
        return {row: {issue: table[i] for issue, table in probs.items()} for i, row in enumerate(rows)}

    def _kinds(self, groups: Sequence[Sequence[Sentence]], frames: set[int], text: str,
               context: Any) -> list[str | None]:
        """The kind of actor holding each chunk: whose voice its first sentence that is not an attribution line (by
        its start among `frames`) is (a quote's speaker, else the text's own). Only asked of a model that reads
        kinds."""
        if not self.model.kinds:
            return [None] * len(groups)
        lexicon = getattr(context, "lexicon", None)
        voices = voices_of(text, getattr(context, "speaker_names", ()), lexicon, getattr(context, "language", None))
        speaker_kind = getattr(context, "speaker_kind", None)
        return [voice_kind(voices.get(next((s.start for s in group if s.start not in frames), group[0].start)),
                           speaker_kind, lexicon) for group in groups]


def _by_chunk(several: Sequence[tuple[Sequence[Sentence], str | None]], probs: dict[str, np.ndarray],
              row: int) -> dict[int, dict[str, np.ndarray]]:
    """Each chunk of `several` sentences (by its start) -> its sentences' probabilities, from `row` on in `probs`."""
    out: dict[int, dict[str, np.ndarray]] = {}
    for group, _kind in several:
        out[group[0].start] = {issue: table[row:row + len(group)] for issue, table in probs.items()}
        row += len(group)
    return out


def _evidence(group: Sequence[Sentence], alone: dict[int, dict[str, np.ndarray]], issue: str, label: str,
              frames: set[int]) -> Sentence:
    """A chunk's sentence that reads its position most strongly on its own, never a line that only attributes a
    quote (by its start among `frames`)."""
    if len(group) == 1:
        return group[0]
    scores = alone[group[0].start][issue][:, CLASSES.index(label)]
    return group[max(range(len(group)), key=lambda i: (group[i].start not in frames, scores[i]))]


def speaker_positions(model: StanceModel, texts: Sequence[str], codebook: Codebook,
                      threshold: float = DEFAULT_THRESHOLD,
                      kinds: Sequence[str | None] | None = None) -> list[dict[str, str]]:
    """What the model alone predicts for each whole text held by an actor of `kinds` (for cross-validation)."""
    probs = model.probabilities(texts, codebook, kinds=kinds)
    out = []
    for index in range(len(texts)):
        found = {}
        for issue in model.issues:
            label = decide(probs[issue][index], threshold)
            if label != "none":
                found[issue] = label
        out.append(found)
    return out


"""The codebook file: the bundled default, located errors, and issues a user adds without code."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.coding import CodebookError, code_text, load_codebook, sync_issues
from igtracker.coding.coder import summarise
from igtracker.coding.sentences import split_sentences
from igtracker.config import DEFAULT_CODEBOOK
from igtracker.models import Issue

DATA_LOCALISATION = """\
version: "test-1"
issues:
  - id: localisation
    name: Data localisation
    definition: Data about a country's users must be stored on servers inside that country.
    support_label: for data localisation
    oppose_label: for cross-border data flows
    targets:
      - pattern: 'data locali[sz]ation|(?:store|keep) (?:\\w+ ){0,3}data (?:\\w+ ){0,2}(?:inside|within) the country'
        orientation: pro
      - pattern: 'cross-border data flows?|free flow of data'
        orientation: anti
"""


def test_bundled_codebook_has_the_three_questions() -> None:
    codebook = load_codebook(DEFAULT_CODEBOOK)
    assert codebook.version
    assert codebook.issue_ids == ["taxation", "surveillance", "control"]
    control = codebook.issue("control")
    assert control.support_label == "for intergovernmental control"
    assert all(issue.definition and issue.targets for issue in codebook.issues)


def test_user_adds_an_issue_without_code(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(DATA_LOCALISATION)
    codebook = load_codebook(path)
    assert summarise(code_text("We firmly reject data localisation requirements.", ["Example Firm"], codebook)) == {
        "localisation": "oppose"}
    assert summarise(code_text("We will always defend the free flow of data.", ["Example Firm"], codebook)) == {
        "localisation": "oppose"}
    assert summarise(code_text("Companies must store all user data within the country.", ["A Ministry"],
                               codebook)) == {"localisation": "support"}


def test_a_users_issue_takes_the_passive_agent_rule(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(DATA_LOCALISATION)
    codebook = load_codebook(path)

    def found(text: str) -> set[tuple[str, str, str]]:
        return {(s.holder, s.issue_id, s.position) for s in code_text(text, ["Example Publisher"], codebook)}

    assert found("Demands for data localisation were rejected by Singapore.") == {
        ("country:SGP", "localisation", "oppose")}
    assert found("The free flow of data is not backed by Nigeria.") == {("country:NGA", "localisation", "support")}
    assert found("Data localisation is favoured by many governments.") == set()
    assert found("Data localisation is supported by several studies.") == set()  # no agent: no holder


def test_parties_named_in_the_codebook_lose_their_place_not_the_process(tmp_path: Path) -> None:
    """Removing a party the codebook names from a process is about the party, not for or against the process."""
    plain, with_parties = tmp_path / "plain.yaml", tmp_path / "parties.yaml"
    plain.write_text(DATA_LOCALISATION)
    with_parties.write_text(DATA_LOCALISATION.replace("issues:\n",
                                                      "parties:\n  - 'data (?:protection )?boards?'\nissues:\n"))
    text = "Data boards must be kept out of the free flow of data."
    assert summarise(code_text(text, ["Example Firm"], load_codebook(plain))) == {"localisation": "support"}
    assert summarise(code_text(text, ["Example Firm"], load_codebook(with_parties))) == {}


def test_bundled_codebook_names_the_governance_bodies() -> None:
    assert {"ICANN", "ITU", "United Nations"} <= set(load_codebook(DEFAULT_CODEBOOK).parties)


def test_a_bad_party_pattern_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(DATA_LOCALISATION.replace("issues:\n", "parties:\n  - 'ICANN'\n  - 'data (boards'\nissues:\n"))
    with pytest.raises(CodebookError, match=r"codebook.yaml:4: parties.1: .*invalid regular expression"):
        load_codebook(path)


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text('version: "1"\nissues:\n  - id: control\n    name: [unclosed\n')
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert f"{path}:" in str(err.value)
    assert "not valid YAML" in str(err.value)


def test_invalid_entry_names_line_and_field(tmp_path: Path) -> None:
    bad = DATA_LOCALISATION.replace("orientation: anti", "orientation: against").replace(
        "free flow of data'", "free flow of (data'")
    path = tmp_path / "codebook.yaml"
    path.write_text(bad)
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    message = str(err.value)
    assert f"{path}:11: issues.0.targets.1.pattern" in message  # the bad regular expression, on its line
    assert f"{path}:12: issues.0.targets.1.orientation" in message


def test_repeated_key_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(DATA_LOCALISATION.replace("        orientation: anti\n",
                                              "        orientation: anti\n        orientation: pro\n"))
    with pytest.raises(CodebookError, match=r"codebook.yaml:13: key 'orientation' appears twice"):
        load_codebook(path)


def test_duplicate_issue_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    issue = DATA_LOCALISATION.split("issues:\n", 1)[1]
    path.write_text(DATA_LOCALISATION + issue)
    with pytest.raises(CodebookError, match="appears twice"):
        load_codebook(path)
    with pytest.raises(CodebookError, match="cannot read codebook"):
        load_codebook(tmp_path / "missing.yaml")


def test_sync_issues_upserts(session: Session, tmp_path: Path) -> None:
    codebook = load_codebook(DEFAULT_CODEBOOK)
    assert sync_issues(session, codebook) == 3
    assert sync_issues(session, codebook) == 0
    changed = codebook.model_copy(update={"version": "next"})
    assert sync_issues(session, changed) == 3
    session.commit()
    rows = {issue.id: issue for issue in session.scalars(select(Issue))}
    assert set(rows) == {"taxation", "surveillance", "control"}
    assert rows["control"].codebook_version == "next"
    assert rows["taxation"].oppose_label


def test_sentences_keep_offsets_and_abbreviations() -> None:
    text = ("The U.S. delegation spoke first. Dr. Smith disagreed!\n\nH. Con. Res. 127 passed. "
            "\"We object,\" she said. A last one")
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "The U.S. delegation spoke first.",
        "Dr. Smith disagreed!",
        "H. Con. Res. 127 passed.",
        "\"We object,\" she said.",
        "A last one",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_a_quote_opening_after_a_full_stop_starts_a_sentence_in_every_style() -> None:
    text = "Le texte a été présenté. « Nous le rejetons. » Er sagte. „Wir auch.“ Dijo. «Nosotros no.»"
    assert [s.text for s in split_sentences(text)] == [
        "Le texte a été présenté.", "« Nous le rejetons. »", "Er sagte.", "„Wir auch.“", "Dijo.", "«Nosotros no.»"]


def test_text_without_punctuation_is_cut_into_bounded_pieces() -> None:
    text = " ".join(["governments control the internet"] * 400)
    sentences = split_sentences(text)
    assert len(sentences) > 10
    assert all(len(s.text) <= 1000 and text[s.start : s.end] == s.text for s in sentences)


# Where authority goes: states and intergovernmental bodies as destinations are the proposition; "out of the hands
# of" is a source and counts reversed.
DESTINATION_CASES = {
    "into the hands of, rejected": ("We will resist any move to deliver the DNS into the hands of national "
                                    "governments.", {"control": "oppose"}),
    "in the hands of, welcomed": ("We welcome proposals to place cyberspace governance in the hands of the member "
                                  "states.", {"control": "support"}),
    "in the hands of, with a modal": ("The Internet must be put in the hands of individual states.",
                                      {"control": "support"}),
    "out of the hands of": ("We must keep domain names out of the hands of governments.", {"control": "oppose"}),
    "under the authority of": ("The root zone needs to come under the authority of sovereign states.",
                               {"control": "support"}),
    "under the control of, rejected": ("We oppose placing the Internet under the direct control of the ITU.",
                                       {"control": "oppose"}),
    "returned to states": ("Stewardship of the Internet should be returned to national governments.",
                           {"control": "support"}),
    "no Internet, no issue": ("Healthcare policy should be placed in the hands of the member states.", {}),
}


@pytest.mark.parametrize("name", list(DESTINATION_CASES))
def test_destination_targets(name: str) -> None:
    text, expected = DESTINATION_CASES[name]
    assert summarise(code_text(text, "Example Forum", load_codebook())) == expected

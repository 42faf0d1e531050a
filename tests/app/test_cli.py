"""The command line as scripts use it: real processes, exit codes, stderr and JSON."""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import docx
import openpyxl
import pytest

from coding.codings import ApplyCoding
from coding.project import Project

ROOT = Path(__file__).resolve().parents[2]

WORD_TURNS = [
    "INT: Hva betyr tillitsreformen for hjemmetjenesten?",
    "Bjørn Åsmund: Vi får bruke skjønn igjen 😀 – og ta ansvar.",
    "INT: Og lederen?",
    "Bjørn Åsmund: Hun stoler på oss. Tillit er ikke det samme som frihet.",
]
CP1252_TEXT = (
    "P1: Tillitsreformen i hjemmetjenesten – å være tillitsfull.\n"
    "P2: Sjåføren bør være økonomisk.\n"
)


def tillit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )


def _content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to compare a project before and after a refused command."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    word = docx.Document()
    word.sections[0].header.paragraphs[0].text = "KONFIDENSIELT – topptekst"
    for turn in WORD_TURNS:
        word.add_paragraph(turn)
    word.save(tmp_path / "Intervju Bergen.docx")
    (tmp_path / "Intervju Oslo.txt").write_bytes(CP1252_TEXT.encode("cp1252"))
    result = tillit("new", tmp_path / "studie.tillit", "--coder", "Kari")
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_import_code_and_list_codings_round_trip_the_text(workspace: Path) -> None:
    project = workspace / "studie.tillit"
    result = tillit(
        "import", project, workspace / "Intervju Bergen.docx", workspace / "Intervju Oslo.txt"
    )
    assert result.returncode == 0, result.stderr

    docs = json.loads(tillit("docs", project, "--json").stdout)
    assert [d["name"] for d in docs] == ["Intervju Bergen", "Intervju Oslo"]
    assert docs[0]["paragraphs"] == 4 and docs[0]["characters"] > 0

    with Project.open(project) as opened, opened.read() as tx:
        word_text = tx.documents.text(tx.documents.ids_by_name("Intervju Bergen")[0])
        oslo_text = tx.documents.text(tx.documents.ids_by_name("Intervju Oslo")[0])
    assert "KONFIDENSIELT" not in word_text
    assert "Tillitsreformen i hjemmetjenesten – å være tillitsfull" in oslo_text
    assert "Sjåføren bør være økonomisk" in oslo_text

    start = word_text.index("skjønn igjen 😀")
    span = f"{start}:{start + len('skjønn igjen 😀')}"
    result = tillit("code", project, "Intervju Bergen", "Profesjonelt skjønn", "--span", span)
    assert result.returncode == 0, result.stderr
    assert "Created the code" in result.stderr
    result = tillit(
        "code",
        project,
        "Intervju Oslo",
        "Styring/Tillitsbasert",
        "--match",
        "å være",
        "--memo",
        "Se P2",
    )
    assert result.returncode == 0, result.stderr
    result = tillit(
        "code",
        project,
        "Intervju Bergen",
        "Styring/Tillitsbasert",
        "--match",
        "Tillit",
        "--all",
        "--coder",
        "Ola",
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 1  # "Tillit" once; "tillitsreformen" is lower case

    codings = json.loads(tillit("codings", project, "--json").stdout)
    texts = {"Intervju Bergen": word_text, "Intervju Oslo": oslo_text}
    assert len(codings) == 3
    for coding in codings:
        assert coding["text"] == texts[coding["document"]][coding["start"] : coding["end"]]
    assert {c["text"] for c in codings} == {"skjønn igjen 😀", "å være", "Tillit"}
    assert {c["code"] for c in codings} == {"Profesjonelt skjønn", "Styring/Tillitsbasert"}
    assert [c["memo"] for c in codings if c["document"] == "Intervju Oslo"] == ["Se P2"]

    by_ola = json.loads(tillit("codings", project, "--coder", "Ola", "--json").stdout)
    assert [c["text"] for c in by_ola] == ["Tillit"]
    by_code = json.loads(
        tillit("codings", project, "--code", "Styring/Tillitsbasert", "--json").stdout
    )
    assert len(by_code) == 2

    codes = json.loads(tillit("codes", project, "--json").stdout)
    styring = next(c for c in codes if c["name"] == "Styring")
    assert styring["children"][0]["path"] == "Styring/Tillitsbasert"
    assert styring["children"][0]["codings"] == 2

    removed = tillit("uncode", project, codings[0]["uuid"])
    assert removed.returncode == 0, removed.stderr
    assert len(json.loads(tillit("codings", project, "--json").stdout)) == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.docx", b"this is not a zip file at all" * 10),
        ("empty.txt", b""),
        ("binary.txt", bytes(range(256)) * 20),
    ],
)
def test_unreadable_files_fail_cleanly_and_change_nothing(
    workspace: Path, name: str, content: bytes
) -> None:
    project = workspace / "studie.tillit"
    assert tillit("import", project, workspace / "Intervju Oslo.txt").returncode == 0
    before = _content(project)
    bad = workspace / name
    bad.write_bytes(content)

    result = tillit("import", project, workspace / "Intervju Bergen.docx", bad)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0]
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    assert _content(project) == before


def test_wrong_usage_exits_2(workspace: Path) -> None:
    result = tillit(
        "code", workspace / "studie.tillit", "doc", "code"
    )  # neither --span nor --match
    assert result.returncode == 2


@pytest.mark.parametrize(
    "args",
    [
        ("code", "{p}", "Nope", "A", "--span", "0:4"),
        ("code", "{p}", "Intervju Oslo", "A", "--span", "5:2"),
        ("code", "{p}", "Intervju Oslo", "A", "--span", "0:99999"),
        ("code", "{p}", "Intervju Oslo", "A", "--span", "abc"),
        ("code", "{p}", "Intervju Oslo", "A", "--match", "finnes ikke"),
        ("uncode", "{p}", "00000000-0000-0000-0000-000000000000"),
        ("codings", "{p}", "--code", "Finnes/Ikke"),
        ("docs", "{missing}"),
    ],
)
def test_mistakes_are_one_line_and_change_nothing(workspace: Path, args: tuple[str, ...]) -> None:
    project = workspace / "studie.tillit"
    assert tillit("import", project, workspace / "Intervju Oslo.txt").returncode == 0
    before = _content(project)
    argv = [a.format(p=project, missing=workspace / "missing.tillit") for a in args]
    result = tillit(*argv)
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert _content(project) == before


def test_second_process_is_told_the_project_is_open(workspace: Path) -> None:
    project = workspace / "studie.tillit"
    with Project.open(project):
        result = tillit("import", project, workspace / "Intervju Oslo.txt")
    assert result.returncode == 1
    assert "already open in Tillit by" in result.stderr
    assert json.loads(tillit("docs", project, "--json").stdout) == []


def test_codebook_export_and_a_new_project_from_it(tmp_path: Path) -> None:
    first = tmp_path / "trust.tillit"
    assert tillit("new", first, "--codebook", "trust").returncode == 0
    qdc = tmp_path / "trust.qdc"
    result = tillit("codebook", "export", first, qdc)
    assert result.returncode == 0, result.stderr
    second = tmp_path / "copy.tillit"
    assert tillit("new", second, "--codebook", qdc).returncode == 0
    codes = [json.loads(tillit("codes", p, "--json").stdout) for p in (first, second)]
    assert codes[0] == codes[1]  # same tree, names, colours and UUIDs
    assert len(codes[0]) == 8
    refused = tillit("codebook", "export", first, tmp_path / "trust.pdf")
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "OUT.qdc or OUT.docx" in refused.stderr


def test_codebook_merge_dry_run_shows_why_then_merges(tmp_path: Path) -> None:
    lead = tmp_path / "lead.tillit"
    assert tillit("new", lead, "--codebook", "trust").returncode == 0
    qdc = tmp_path / "coder.qdc"
    assert tillit("codebook", "export", lead, qdc).returncode == 0
    text = qdc.read_text("utf-8")
    text = re.sub(r'guid="[^"]+"', lambda _: f'guid="{uuid.uuid4()}"', text)  # as QualCoder does
    text = text.replace('name="Tillit fra leder til ansatt"', 'name="Tillit fra lederen"')
    braced = "{" + str(uuid.uuid4()).upper() + "}"
    text = text.replace("</Codes>", f'<Code guid="{braced}" name="Velferdsteknologi"/></Codes>')
    qdc.write_text(text, encoding="utf-8")
    before = _content(lead)

    dry = tillit("codebook", "merge", lead, qdc, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert _content(lead) == before
    renamed = next(m for m in report["matched"] if m["incoming"].endswith("Tillit fra lederen"))
    assert renamed["target"] == "Tillit og ansvar/Tillit fra leder til ansatt"
    assert renamed["how"] == "fuzzy" and renamed["basis"] == "second-language names"
    assert [n["incoming"] for n in report["new"]] == ["Velferdsteknologi"]
    assert len(report["matched"]) == 59 and report["applied"] is False
    assert "Dry run" in dry.stderr

    human = tillit("codebook", "merge", lead, qdc, "--dry-run", "--threshold", "99")
    assert "fuzzy  100.0  Tillit og ansvar/Tillit fra lederen" in human.stdout

    done = tillit("codebook", "merge", lead, qdc)
    assert done.returncode == 0, done.stderr
    codes = json.loads(tillit("codes", lead, "--json").stdout)
    assert [c["path"] for c in codes][-1] == "Velferdsteknologi"
    again = json.loads(tillit("codebook", "merge", lead, qdc, "--dry-run", "--json").stdout)
    assert {m["how"] for m in again["matched"]} == {"uuid"} and again["new"] == []


def test_codebook_merge_refuses_hostile_files_and_changes_nothing(tmp_path: Path) -> None:
    lead = tmp_path / "lead.tillit"
    assert tillit("new", lead, "--codebook", "trust").returncode == 0
    before = _content(lead)
    laughs = tmp_path / "laughs.qdc"
    laughs.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&lol1;"/>'
        "</Codes></CodeBook>",
        encoding="utf-8",
    )
    external = tmp_path / "external.qdc"
    external.write_text(
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<CodeBook><Codes><Code guid="x" name="&x;"/></Codes></CodeBook>',
        encoding="utf-8",
    )
    for hostile in (laughs, external, lead):
        result = tillit("codebook", "merge", lead, hostile)
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
    assert "refuses for safety" in tillit("codebook", "merge", lead, laughs).stderr
    assert _content(lead) == before


def test_search_finds_inflections_and_compounds_and_a_new_coding_at_once(
    workspace: Path,
) -> None:
    project = workspace / "studie.tillit"
    source = workspace / "Intervju Tromsø.txt"
    source.write_text(
        "INT: Hva betyr tillitsreformen for dere?\n"
        "P1: Tilliten har vokst, vi jobber mer tillitsbasert nå 😀.\n"
        "P2: Kontrollen er mindre.\n",
        encoding="utf-8",
    )
    assert tillit("import", project, source).returncode == 0
    result = tillit("search", project, "tillit", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["query"] == "tillit" and found["total"] == 2
    with Project.open(project, backup=False) as opened, opened.read() as tx:
        (document_id,) = tx.documents.ids_by_name("Intervju Tromsø")
        text = tx.documents.text(document_id)
    words = set()
    for hit in found["hits"]:
        assert hit["document"] == "Intervju Tromsø"
        passage = text[hit["start"] : hit["end"]]
        assert "tillit" in passage.casefold()
        assert hit["snippet"] in passage  # a short passage is shown whole
        words |= {text[start:end] for start, end in hit["marks"]}
    assert words == {"tillitsreformen", "Tilliten", "tillitsbasert"}
    assert [hit["speaker"] for hit in found["hits"]] == ["INT", "P1"]

    assert json.loads(tillit("search", project, "speaker:P2", "--json").stdout)["total"] == 1
    coded = tillit("code", project, "Intervju Tromsø", "Styring/Kontroll", "--match", "Kontrollen")
    assert coded.returncode == 0, coded.stderr
    segment = json.loads(tillit("search", project, "code:Styring", "--json").stdout)
    assert [(h["start"], h["end"]) for h in segment["hits"]] == [
        (text.index("Kontrollen"), text.index("Kontrollen") + len("Kontrollen"))
    ]
    nothing = tillit("search", project, "tilit")
    assert nothing.returncode == 0 and nothing.stdout == ""
    assert "Did you mean: tillit" in nothing.stderr


def test_every_sub_command_reaches_the_command_line() -> None:
    from app.cli import build_parser
    from main import COMMANDS

    parser = build_parser()
    choices = next(
        action.choices
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    assert set(choices) == COMMANDS


def test_exports_write_word_excel_and_csv_files_with_the_coded_text(workspace: Path) -> None:
    project = workspace / "studie.tillit"
    assert tillit("import", project, workspace / "Intervju Bergen.docx").returncode == 0
    for code, words in (
        ("Tillit/Skjønn", "bruke skjønn igjen 😀"),
        ("Tillit", "Hun stoler på oss"),
    ):
        coded = tillit("code", project, "Intervju Bergen", code, "--match", words, "--coder", "Ola")
        assert coded.returncode == 0, coded.stderr
    report = workspace / "utdrag.docx"
    result = tillit("export", "docx", project, report, "--code", "Tillit", "--summary")
    assert result.returncode == 0, result.stderr
    quotes = [p.text for p in docx.Document(str(report)).paragraphs if p.style.name == "Quote"]
    assert set(quotes) == {"bruke skjønn igjen 😀", "Hun stoler på oss"}
    only = tillit("export", "docx", project, report, "--code", "Tillit", "--no-subcodes")
    assert only.returncode == 0 and "1 excerpt " in only.stderr

    annotated = workspace / "annotert.docx"
    result = tillit("export", "annotated", project, "Intervju Bergen", annotated)
    assert result.returncode == 0 and "2 comments" in result.stderr, result.stderr

    table = workspace / "kodinger.csv"
    assert tillit("export", "csv", project, table, "--coder", "Ola").returncode == 0
    rows = list(csv.DictReader(table.read_text(encoding="utf-8").splitlines()))
    assert sorted(row["text"] for row in rows) == ["Hun stoler på oss", "bruke skjønn igjen 😀"]
    workbook = workspace / "kodinger.xlsx"
    assert tillit("export", "xlsx", project, workbook).returncode == 0
    assert openpyxl.load_workbook(workbook)["Codings"].max_row == 3

    appendix = workspace / "kodebok.docx"
    assert tillit("codebook", "export", project, appendix).returncode == 0
    headings = [
        p.text for p in docx.Document(str(appendix)).paragraphs if "Heading" in p.style.name
    ]
    assert headings[:2] == ["Tillit", "Skjønn"]
    wrong = tillit("export", "docx", project, workspace / "utdrag.pdf")
    assert wrong.returncode == 1 and "OUT.docx" in wrong.stderr


def test_agreement_of_two_coders_as_json(workspace: Path) -> None:
    project = workspace / "studie.tillit"
    assert tillit("import", project, workspace / "Intervju Bergen.docx").returncode == 0
    for coder, words in (("Kari", "bruke skjønn igjen"), ("Ola", "bruke skjønn")):
        coded = tillit(
            "code", project, "Intervju Bergen", "Skjønn", "--match", words, "--coder", coder
        )
        assert coded.returncode == 0, coded.stderr
    result = tillit("agreement", project, "--coders", "Kari,Ola", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["unit"] == "character" and found["coders"] == ["Kari", "Ola"]
    (code,) = found["codes"]
    assert code["code"] == "Skjønn" and 0 < code["percent_agreement"] < 100
    assert code["cohen_kappa"] is not None and code["krippendorff_alpha"] is not None
    alone = tillit("agreement", project, "--coders", "Kari")
    assert alone.returncode == 1 and len(alone.stderr.strip().splitlines()) == 1


def test_copy_while_another_process_holds_the_project_keeps_uuids_and_sets_the_coder(
    workspace: Path,
) -> None:
    project = workspace / "studie.tillit"
    assert tillit("import", project, workspace / "Intervju Oslo.txt").returncode == 0
    copy = workspace / "kopi for Ola.tillit"
    with Project.open(project) as holder:  # the lead's Tillit has it open and keeps coding
        with holder.read() as tx:
            document_id = tx.documents.ids_by_name("Intervju Oslo")[0]
        ApplyCoding(holder, document_id, [(0, 4)], code_path="Tillit/Fersk").do()

        result = tillit("copy", project, copy, "--coder", "Ola")

        assert result.returncode == 0, result.stderr
        assert "Ola" in result.stderr
        ApplyCoding(holder, document_id, [(5, 9)], code_path="Tillit/Etterpå").do()
    docs = {p: json.loads(tillit("docs", p, "--json").stdout) for p in (project, copy)}
    assert [d["uuid"] for d in docs[copy]] == [d["uuid"] for d in docs[project]]
    copied = json.loads(tillit("codings", copy, "--json").stdout)
    assert [c["code"] for c in copied] == ["Tillit/Fersk"]  # all before the copy, none after
    with Project.open(copy) as opened:
        assert opened.current_coder().name == "Ola"
        same_project = opened.info().uuid
    with Project.open(project) as opened:
        assert opened.current_coder().name == "Kari"
        assert opened.info().uuid == same_project

    ola = tillit("code", copy, "Intervju Oslo", "Tillit/Ola sin", "--span", "10:20")
    assert ola.returncode == 0, ola.stderr
    merged = tillit("merge", project, copy, "--json")
    assert merged.returncode == 0, merged.stderr
    documents = json.loads(merged.stdout)["documents"]
    assert documents["matched_by"]["uuid"] == 1 and documents["new"] == 0
    by_ola = json.loads(tillit("codings", project, "--coder", "Ola", "--json").stdout)
    assert [c["code"] for c in by_ola] == ["Tillit/Ola sin"]

    again = tillit("copy", project, copy)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    missing = tillit("copy", workspace / "borte.tillit", workspace / "ny.tillit")
    assert missing.returncode == 1 and not (workspace / "ny.tillit").exists()
    hidden = [p.name for p in workspace.iterdir() if p.name.startswith(".")]
    assert hidden == []


def test_a_mistyped_sub_command_is_a_usage_error_not_the_gui(tmp_path: Path) -> None:
    from main import opens_gui

    result = tillit("publsh", tmp_path / "studie.tillit", "postgresql://server/db")
    assert result.returncode == 2
    assert "invalid choice: 'publsh'" in result.stderr and "usage: tillit" in result.stderr
    assert (
        opens_gui([]) and opens_gui(["studie.tillit"]) and opens_gui([str(tmp_path / "x.TILLIT")])
    )
    (tmp_path / "gammel").write_bytes(b"")
    assert opens_gui([str(tmp_path / "gammel")])  # an existing file: the GUI says what it is
    assert not opens_gui(["publsh"]) and not opens_gui(["docs"]) and not opens_gui(["--help"])

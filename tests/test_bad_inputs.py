"""Bad inputs, one row each (issue 11): every one ends as one clear line naming the file.

Rows go through the command line (``adfl_teach.cli.main``) where a command reads the file,
else through the library function that reads it. Each row states the file to be named and
what the message must say.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from prepared_fakes import small_imageset, write_prepared

from adfl_teach.cli import main, run_guarded
from adfl_teach.cli.commands.common import parse_seed, parse_seeds
from adfl_teach.data.imagefiles import printable
from adfl_teach.data.prepared import DatasetError, load_prepared
from adfl_teach.runtime import JSONFileError, MissingJSONFileError, read_json

CLASSES = ("neutral", "anger", "happiness", "sadness", "surprise")


def one_error_line(capsys, command: str, path) -> str:
    """The single stderr line of a failed command, checked to start with the file (a name
    that is not UTF-8 printed with its odd bytes as ``\\xff``)."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    prefix = f"adfl-teach {command}: error: {printable(path)}: "
    assert err.startswith(prefix), err
    return err[len(prefix) :]


# --- native database files, read by `adfl-teach prepare` ------------------------------------


def emotion(data: bytes):
    def corrupt(root):
        path = root / "Emotion" / "S001" / "001" / "S001_001_00000004_emotion.txt"
        path.write_bytes(data)
        return path

    return corrupt


def frame(change_image=None, change_points=None, named="image", name="S002_001_00000004"):
    """Change one frame's image or landmarks; the error names the ``named`` file."""

    def corrupt(root):
        image = root / "cohn-kanade-images" / "S002" / "001" / f"{name}.png"
        marks = root / "Landmarks" / "S002" / "001" / f"{name}_landmarks.txt"
        if change_image is not None:
            change_image(image)
        if change_points is not None:
            points = change_points(np.loadtxt(marks))
            if isinstance(points, bytes):
                marks.write_bytes(points)
            else:
                np.savetxt(marks, points)
        return marks if named == "marks" else image

    return corrupt


def unlink(path):
    path.unlink()
    return path


def missing_peak_frame(root):
    """The frame an Emotion file labels is gone: the Emotion file is named."""
    (root / "cohn-kanade-images" / "S003" / "001" / "S003_001_00000004.png").unlink()
    return root / "Emotion" / "S003" / "001" / "S003_001_00000004_emotion.txt"


def rename_emotion(name: str):
    def corrupt(root):
        folder = root / "Emotion" / "S001" / "001"
        return (folder / "S001_001_00000004_emotion.txt").rename(folder / name)

    return corrupt


def copy_subject(old: str, new: str, move: bool = False, named="S002_001_00000001.png"):
    """Copy (or move) subject ``old``'s folders and the names of its files to ``new`` (a str,
    or bytes for a name that is not UTF-8); the error names ``new``'s file ``named``."""

    def corrupt(root):
        base, was, now = os.fsencode(root), os.fsencode(old), os.fsencode(new)
        for tree in (b"cohn-kanade-images", b"Emotion", b"Landmarks"):
            source, target = base + b"/" + tree + b"/" + was, base + b"/" + tree + b"/" + now
            shutil.move(source, target) if move else shutil.copytree(source, target)
            for folder, _, files in os.walk(target):
                for file in files:
                    renamed = file.replace(was, now) if new.upper() != old.upper() else file
                    os.rename(folder + b"/" + file, folder + b"/" + renamed)
        image = base + b"/cohn-kanade-images/" + now + b"/001/" + os.fsencode(named)
        return Path(os.fsdecode(image))

    return corrupt


def black(path):
    cv2.imwrite(str(path), np.zeros_like(cv2.imread(str(path))))


def tiny(path):
    cv2.imwrite(str(path), np.full((10, 10, 3), 128, np.uint8))


NO_USABLE_FACE = {
    "landmarks outside the image": (frame(change_points=lambda p: p + [0, 500]), "outside"),
    "landmarks collapsed": (frame(change_points=lambda p: p[:1].repeat(5, 0)), "collapsed"),
    "all-black frame": (frame(change_image=black), "aligned face is nearly constant"),
    "10x10 frame": (frame(change_image=tiny), r"outside the 10x10 image"),
}
SOURCE_CASES = {
    "emotion 9": (emotion(b"   9.0000000e+00\n"), "label code 9.0000000e\\+00 out of range"),
    "emotion inf": (emotion(b"inf\n"), "label code inf out of range: CK\\+ sequence labels"),
    "emotion 1e400": (emotion(b"   1e400\n"), "label code 1e400 out of range"),
    "emotion nan": (emotion(b"nan"), "label code nan out of range"),
    "emotion 2.5": (emotion(b"2.5"), "label code 2.5 out of range"),
    "emotion garbage": (emotion(b"happy"), "label 'happy' is not a number"),
    "emotion binary": (emotion(b"\xff\xfe\x00\x81"), "cannot read Emotion file"),
    "emotion empty": (emotion(b""), "found 0 fields"),
    "landmarks binary": (
        frame(change_points=lambda p: b"\xff\xfe\x81", named="marks"),
        "cannot read landmarks",
    ),
    "landmarks nan": (frame(change_points=lambda p: p * np.nan, named="marks"), "non-finite"),
    "labelled frame missing": (
        missing_peak_frame,
        "labels frame 4, but .* has no image with that frame number",
    ),
    "gap in frames": (
        lambda root: unlink(root / "cohn-kanade-images/S003/001/S003_001_00000003.png"),
        r"image file is missing \(gap in frames\)",
    ),
    "unreadable frame": (frame(change_image=lambda p: p.write_bytes(b"no")), "unreadable image"),
    # issue 23: label oddities and identity leaks
    "emotion file named emotion.txt": (
        rename_emotion("emotion.txt"),
        "Emotion file name names no frame; expected S001_001_<frame>_emotion.txt",
    ),
    "emotion file of another sequence": (
        rename_emotion("S001_002_00000004_emotion.txt"),
        "names sequence S001/002, but lies in the folder of S001/001",
    ),
    "subject copied under a case variant": (
        copy_subject("S002", "s002"),
        "subject ids 'S002' .* and 's002' differ only in case: one person would be two",
    ),
    "subject copied under another id, files renamed": (
        copy_subject("S002", "S011", named="S011_001_00000001.png"),
        r"the same file content as .*/S002/001/S002_001_00000001.png \(SHA-256 \w+\), under "
        "subject 'S011' and subject 'S002'",
    ),
    "subject folder name not UTF-8": (
        copy_subject("S002", b"S\xff02", move=True, named="S\udcff02_001_00000001.png"),
        r"the subject id 'S\\udcff02' is not UTF-8 text, which manifest.csv needs",
    ),
    **{
        name: (corrupt, f"no usable face: .*{what}")
        for name, (corrupt, what) in NO_USABLE_FACE.items()
    },
}


def prepare_ck(src, out, *options) -> int:
    return main(["prepare", "ckplus", "--src", str(src), "--out", str(out), "--quiet", *options])


@pytest.mark.parametrize("case", SOURCE_CASES)
def test_bad_source_file_is_one_line_naming_it(case, ck, tmp_path, capsys):
    corrupt, expected = SOURCE_CASES[case]
    path = corrupt(ck)
    assert prepare_ck(ck, tmp_path / "out") == 2
    assert re.search(expected, one_error_line(capsys, "prepare", path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CK+"]  # no output, no partial


@pytest.mark.parametrize("case", NO_USABLE_FACE)
def test_no_usable_face_is_skipped_like_a_missing_face(case, ck, tmp_path, capsys):
    corrupt, expected = NO_USABLE_FACE[case]
    path = corrupt(ck)
    assert prepare_ck(ck, tmp_path / "out", "--skip-missing-faces") == 0
    assert str(path) in capsys.readouterr().out
    info = json.loads((tmp_path / "out" / "dataset.json").read_text())
    assert [s["path"] for s in info["skipped"]] == [str(path)]
    assert re.match(f"no usable face: .*{expected}", info["skipped"][0]["reason"])
    assert info["counts"]["total"] == 39


def test_sequence_list_in_latin_1_names_the_file(ck, tmp_path, capsys):
    listing = tmp_path / "seqs.txt"
    listing.write_bytes("S001/001\n# s\xe9quences\n".encode("latin-1"))
    assert prepare_ck(ck, tmp_path / "o", "--sequences", str(listing)) == 2
    assert "cannot read the sequence list" in one_error_line(capsys, "prepare", listing)


# --- prepared datasets, read by load_prepared ------------------------------------------------


@pytest.fixture
def prepared(tmp_path):
    return write_prepared(tmp_path / "prepared", small_imageset(), CLASSES)


def dataset_json(data: bytes | None = None, **changes):
    def corrupt(root):
        path = root / "dataset.json"
        if data is not None:
            path.write_bytes(data)
        else:
            path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))
        return path

    return corrupt


def manifest(keep=lambda row: True, change=lambda line: line, encoding="utf-8", header=None):
    """Keep the rows ``keep`` accepts (a dict per row), each line passed through ``change``."""

    def corrupt(root):
        path = root / "manifest.csv"
        columns, *lines = path.read_text().splitlines()
        names = columns.split(",")
        kept = [change(line) for line in lines if keep(dict(zip(names, line.split(","))))]
        path.write_bytes("\n".join([header or columns, *kept, ""]).encode(encoding))
        return path

    return corrupt


def fold(row) -> int:
    return int(row["fold"])


PREPARED_CASES = {
    "no such folder": (lambda root: shutil.rmtree(root) or root, "directory does not exist"),
    "manifest missing": (lambda root: unlink(root / "manifest.csv"), "missing; is .* a prepared"),
    "manifest header": (manifest(change=lambda x: x, header="path,subject,label"), "header must"),
    "manifest label_name": (
        manifest(change=lambda x: x.replace(",1,anger,", ",1,fear,")),
        "line 3: label_name 'fear' does not match class 1 = 'anger'",
    ),
    "dataset.json empty": (dataset_json(b""), "empty file"),
    "dataset.json truncated": (dataset_json(b'{"classes": ["neutral"'), "not valid JSON"),
    "dataset.json a list": (dataset_json(b"[]"), "expected a JSON object, found a JSON array"),
    "dataset.json latin-1": (dataset_json('{"x": "col\xe8re"}'.encode("latin-1")), "not UTF-8"),
    "neutral_index names anger": (dataset_json(neutral_index=1), "names class 'anger', not"),
    "neutral_index outside": (dataset_json(neutral_index=9), "outside the class list 0..4"),
    "neutral_index text": (dataset_json(neutral_index="0"), "must be an integer, got '0'"),
    "a class named twice": (dataset_json(classes=["neutral", "anger"] * 2), "a class twice"),
    "manifest latin-1": (
        manifest(change=lambda x: x.replace("S001", "S\xe9"), encoding="latin-1"),
        "not UTF-8 text",
    ),
    "manifest empty fold 3": (manifest(keep=lambda r: fold(r) != 3), "fold 3 has no test images"),
    "manifest without fold 9 of 10": (
        lambda root: (
            dataset_json(num_folds=10)(root),
            manifest(keep=lambda r: fold(r) != 9)(root),
        )[1],
        "fold 9 has no test images",
    ),
    "manifest with one fold": (
        manifest(keep=lambda r: fold(r) == 0),
        "cross-validation needs at least 2",
    ),
    "manifest label inf": (
        manifest(change=lambda x: x.replace(",0,neutral,", ",inf,neutral,")),
        "must be integers",
    ),
}


@pytest.mark.parametrize("case", PREPARED_CASES)
def test_bad_prepared_file_names_it(case, prepared):
    corrupt, expected = PREPARED_CASES[case]
    path = corrupt(prepared)
    with pytest.raises(DatasetError) as caught:
        load_prepared(prepared)
    assert str(caught.value).startswith(f"{path}: ")
    assert re.search(expected, str(caught.value))


def test_missing_or_corrupt_image_names_it(prepared):
    data = load_prepared(prepared)
    path = prepared / data.paths[4]
    path.unlink()
    with pytest.raises(DatasetError, match=f"^{re.escape(str(path))}: cannot read"):
        load_prepared(prepared).images(progress=False)
    path.write_bytes(b"not a png")
    with pytest.raises(DatasetError, match=f"^{re.escape(str(path))}: missing or unreadable"):
        load_prepared(prepared).images(progress=False)


def test_manifest_with_a_byte_order_mark_is_read(prepared):
    path = prepared / "manifest.csv"
    plain = load_prepared(prepared)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Excel saves "CSV UTF-8"
    with_bom = load_prepared(prepared)
    assert np.array_equal(with_bom.paths, plain.paths) and len(with_bom) == 30


# --- JSON files: runtime.read_json -----------------------------------------------------------

JSON_CASES = {
    "empty": (b"", "empty file"),
    "blank": (b"  \n", "empty file"),
    "truncated": (b'{"counts": {', r"not valid JSON \(Expecting .* at line 1 column 13\)"),
    "binary": (b"\x80\xff", "not UTF-8 text"),
    "a list, object expected": (b"[1, 2]", "expected a JSON object, found a JSON array"),
    "null, object expected": (b"null", "expected a JSON object, found a JSON null"),
}


@pytest.mark.parametrize("case", JSON_CASES)
def test_read_json_names_the_file(case, tmp_path):
    data, expected = JSON_CASES[case]
    path = tmp_path / "synth.json"
    path.write_bytes(data)
    with pytest.raises(JSONFileError) as caught:
        read_json(path, expect=dict)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{path}: ") and re.search(expected, str(caught.value))


def test_read_json_reads_bom_and_says_missing_or_unreadable(tmp_path):
    path = tmp_path / "dataset.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert read_json(path) == {"a": 1} == read_json(path, expect=dict)
    with pytest.raises(MissingJSONFileError, match=f"^{re.escape(str(tmp_path))}/no.json: no such"):
        read_json(tmp_path / "no.json")
    assert issubclass(MissingJSONFileError, FileNotFoundError)
    with pytest.raises(JSONFileError, match=f"^{re.escape(str(tmp_path))}: cannot read"):
        read_json(tmp_path)  # a directory


# --- the command line's error boundary ---------------------------------------------------------


def test_cli_errors_are_one_line_naming_the_file(tmp_path, capsys):
    file = tmp_path / "a-file"
    file.write_text("x")
    assert main(["synth", "--out", str(file), "--subjects", "1", "--no-progress"]) == 2
    assert one_error_line(capsys, "synth", file) == "exists and is not a directory\n"
    assert main(["prepare", "oulu", "--src", str(tmp_path), "--out", str(file), "--quiet"]) == 2
    assert one_error_line(capsys, "prepare", file) == "exists and is not a directory\n"
    user = tmp_path / "user"
    user.mkdir()
    (user / "thesis.tex").write_text("mine")
    assert main(["synth", "--out", str(user), "--overwrite", "--no-progress"]) == 2
    assert "thesis.tex" in one_error_line(capsys, "synth", user)
    assert (user / "thesis.tex").read_text() == "mine"
    data = write_prepared(tmp_path / "prepared", small_imageset(), CLASSES)
    (data / "dataset.json").write_text('{"classes": ')
    args = ["train", "--data", str(data), "--out", str(tmp_path / "run"), "--preset", "smoke"]
    assert main(args) == 2
    assert "not valid JSON" in one_error_line(capsys, "train", data / "dataset.json")


def test_oserrors_name_their_file_and_bugs_keep_their_traceback(capsys, monkeypatch):
    def denied(args):
        raise PermissionError(13, "Permission denied", "/data/run.json")

    assert run_guarded("adfl-teach cv", denied, None) == 2
    assert capsys.readouterr().err == "adfl-teach cv: error: /data/run.json: Permission denied\n"
    monkeypatch.setenv("ADFL_DEBUG", "1")
    with pytest.raises(PermissionError):  # the traceback, on request
        run_guarded("adfl-teach cv", denied, None)
    monkeypatch.delenv("ADFL_DEBUG")

    def bug(args):
        raise TypeError("unsupported operand")

    with pytest.raises(TypeError):
        run_guarded("adfl-teach cv", bug, None)


# --- command-line arguments: one seed rule, --out outside --data (issue 23) --------------------

RULE = r"a seed is an integer in 0\.\.4294967295 \(0 <= seed < 2\*\*32\)"
DATA = "DATA"  # replaced by a folder; the checks run before anything reads it
ARGUMENT_CASES = {
    "train --seed -1": (["train", "--data", DATA, "--seed", "-1"], f"--seed '-1': out of.*{RULE}"),
    "train --seed 2**32": (["train", "--data", DATA, "--seed", "4294967296"], "out of range"),
    "train --seed 2**64": (
        ["train", "--data", DATA, "--seed", "18446744073709551616"],
        f"--seed '18446744073709551616': out of range; {RULE}",
    ),
    "train --seed abc": (["train", "--data", DATA, "--seed", "abc"], f"not an integer; {RULE}"),
    "cv --seeds -1": (["cv", "--data", DATA, "--out", "R", "--seeds", "-1"], f"negative; {RULE}"),
    "cv --seeds 2**32": (
        ["cv", "--data", DATA, "--out", "R", "--seeds", "0,4294967296"],
        f"4294967296 is not below 4294967296; {RULE}",
    ),
    "cv --seeds a huge range": (
        ["cv", "--data", DATA, "--out", "R", "--seeds", "0-99999999999"],
        "99999999999 is not below",
    ),
    "cv --folds a huge range": (
        ["cv", "--data", DATA, "--out", "R", "--folds", "0-99999999999"],
        "holds 100000000000 values, more than 10000",
    ),
    "ablate --seeds 5-1": (["ablate", "--data", DATA, "--seeds", "5-1"], "names no seed"),
    "main --synth-seed -1": (["main", "--synth-seed", "-1"], f"--synth-seed '-1': out.*{RULE}"),
    "main --seeds 1e3": (["main", "--seeds", "1e3"], "'1e3' is not a number or range"),
    "reproduce --synth-seed 2**32": (["reproduce", "--synth-seed", "4294967296"], RULE),
    "reproduce --seeds 0,-2": (["reproduce", "--seeds", "0,-2"], f"-2 is negative; {RULE}"),
    "synth --seed -3": (["synth", "--out", "S", "--seed", "-3"], f"--seed '-3': out of.*{RULE}"),
    "synth --seed 1.5": (["synth", "--out", "S", "--seed", "1.5"], "not an integer"),
    "probe --seeds 2**32": (["probe", "R", "--data", DATA, "--seeds", "4294967296"], RULE),
    "main --subjects 0": (["main", "--subjects", "0"], "--subjects 0: give at least 1"),
    "reproduce --subjects -2": (["reproduce", "--subjects", "-2"], "give at least 1 synthetic"),
    "train --out inside --data": (
        ["train", "--data", DATA, "--out", f"{DATA}/runs"],
        "--out lies inside --data .*DATA; a run written into the prepared dataset would",
    ),
    "cv --out = --data": (["cv", "--data", DATA, "--out", DATA], "--out lies inside --data"),
    "ablate --out inside --data": (
        ["ablate", "--data", DATA, "--out", f"{DATA}/a/b"],
        "--out lies inside --data",
    ),
    "reproduce --out inside --data": (
        ["reproduce", "--data", DATA, "--out", f"{DATA}/r"],
        "--out lies inside --data",
    ),
}


@pytest.mark.parametrize("case", ARGUMENT_CASES)
def test_bad_argument_is_one_line_before_anything_runs(case, tmp_path, capsys, monkeypatch):
    argv, expected = ARGUMENT_CASES[case]
    monkeypatch.chdir(tmp_path)
    data = write_prepared(tmp_path / DATA, small_imageset(), CLASSES)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"adfl-teach {argv[0]}: error: "), err
    assert re.search(expected, err), err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing ran
    assert data.is_dir()


def test_the_seed_rule_accepts_its_bounds():
    assert parse_seed("0") == 0 and parse_seed(" 4294967295 ") == 2**32 - 1
    assert parse_seeds("4294967294-4294967295") == [2**32 - 2, 2**32 - 1]

"""The README stays a user's README, and docs/ARCHITECTURE.md maps every package of the code."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_is_under_2500_words():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").split()) < 2500


def test_the_architecture_map_names_every_package_and_module():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for top in ("network", "processing"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.name == "__init__.py":
                name = path.parent.name + "/"
            else:
                name = path.name if path.parent.name in ("network", "processing") else path.stem
            if path.parent.name == "algorithms":
                continue  # one algorithm per module: the folder is named
            assert name.removesuffix(".py") in text, path.relative_to(ROOT)


def test_the_bad_data_table_lists_every_corpus_case_with_its_answer(tmp_path):
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("pipenet_corpus_doc", ROOT / "tests" / "hardening" / "corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    sys.modules["pipenet_corpus_doc"] = corpus  # dataclasses look their module up
    spec.loader.exec_module(corpus)
    table = (ROOT / "docs" / "bad-data.md").read_text(encoding="utf-8")
    for case in corpus.build_corpus(tmp_path):
        assert f"| {case.description} | {case.outcome} |" in table, case.name

"""Survey tables: CSV in UTF-8 and GBK, XLSX, coordinate order, row-level issues."""

from pathlib import Path

import pytest

from pipenet.network.io.survey import SurveyError, survey_network

DATA = Path(__file__).resolve().parents[1] / "data" / "survey"


@pytest.mark.parametrize("suffix", ["utf8", "gbk"])
def test_csv_tables_join_and_report_bad_rows(suffix):
    survey = survey_network(str(DATA / f"points_{suffix}.csv"), str(DATA / f"segments_{suffix}.csv"))
    assert survey.swapped  # X holds 3,400,000 m northings
    assert [n["物探点号"] for n in survey.nodes] == ["YS1", "YS2", "YS3", "YS4"]
    assert survey.nodes[1]["xy"] == (500040.0, 3400000.0)
    assert [link["起点点号"] for link in survey.links] == ["YS1", "YS2", "YS4"]
    problems = [(i.table, i.row, i.field, i.problem.split(" (")[0]) for i in survey.issues]
    assert problems == [("points", 6, "物探点号", "duplicate point id"), ("points", 7, "X", "not a number"),
                        ("segments", 5, "起点点号", "point id not in the point table")]


def test_explicit_order_and_xlsx(tmp_path):
    from openpyxl import Workbook

    for name, rows in (("p.xlsx", [["点号", "纵坐标", "横坐标"], ["A", 3400000, 500000], ["B", 3400000, 500050]]),
                       ("s.xlsx", [["起点点号", "终点点号", "管径"], ["A", "B", 400]])):
        book = Workbook()
        for row in rows:
            book.active.append(row)
        book.save(tmp_path / name)
    survey = survey_network(str(tmp_path / "p.xlsx"), str(tmp_path / "s.xlsx"))
    assert survey.links[0]["coords"] == [(500000.0, 3400000.0), (500050.0, 3400000.0)]
    plain = survey_network(str(DATA / "points_utf8.csv"), str(DATA / "segments_utf8.csv"), xy_order="xy")
    assert plain.nodes[0]["xy"] == (3400000.0, 500000.0)


def test_missing_columns_are_named(tmp_path):
    (tmp_path / "p.csv").write_text("name,east\nA,1\n", encoding="utf-8")
    with pytest.raises(SurveyError, match="need a point id column"):
        survey_network(str(tmp_path / "p.csv"), str(DATA / "segments_utf8.csv"))

"""CSV lines gathered by numpy are the bytes csv.writer writes, whatever the texts hold."""

import csv
import doctest
import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipenet.processing.outputs import csv_rows
from pipenet.processing.outputs.csv_rows import TextColumn, csv_lines, safe_text


def written_by_csv(rows) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


texts = st.one_of(st.none(), st.sampled_from(["storm", "污水", "a,b", 'say "hi"', "two\nlines", "cr\r", "", " x "]),
                  st.text(max_size=6))
numbers = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.1, 2.5, 300.0, -0.0]))


ascii_ids = st.text(alphabet="abcXYZ019 -_.~,\"", max_size=8)  # every id ASCII: encoded at once


@settings(max_examples=80, deadline=None)
@given(st.one_of(*(st.lists(st.tuples(pipe_ids, texts, numbers), min_size=1, max_size=40)
                   for pipe_ids in (st.text(max_size=8), ascii_ids))))
def test_lines_equal_csv_writer(rows):
    ids = TextColumn.of_texts([row[0] for row in rows])
    shared = [TextColumn.of([row[1] for row in rows]),  # objects; numbers as arrays (NaN: missing)
              TextColumn.of(np.array([np.nan if row[2] is None else row[2] for row in rows], dtype=float))]
    everyone = np.arange(len(rows))
    picked = np.arange(len(rows))[::-1]  # columns may be read in any order of their rows
    ours = csv_lines([(ids, everyone), (shared[0], everyone), (shared[1], picked)])
    # text cells that would start a formula are neutralised; numbers (negative ones too) are not
    expected = written_by_csv([(safe_text(row[0]), None if row[1] is None else safe_text(row[1]), rows[other][2])
                               for row, other in zip(rows, picked.tolist())])
    assert ours == expected


def test_a_column_of_numbers_as_whole_numbers_and_missing_values():
    years = TextColumn.of(np.array([1998.0, np.nan, 2003.0]), text=lambda year: str(int(year)))
    assert csv_lines([(years, np.arange(3))]) == b"1998\r\n\r\n2003\r\n"


def test_doctests():
    result = doctest.testmod(csv_rows)
    assert result.failed == 0 and result.attempted > 0


def test_formulas_are_neutralised_and_negative_numbers_stay_numbers():
    texts = TextColumn.of(["=1+1", "+SUM(A1)", "-cmd", "@x", "\tab", "\rcr", "plain", None])
    numbers = TextColumn.of(np.array([-1.5, 2.0, np.nan, -0.25, 1.0, 3.0, 4.0, 5.0]))
    ids = TextColumn.of_texts(["=A1", "-1", "G1", "@", "x", "y", "z", "w"])
    rows = np.arange(8)
    lines = csv_lines([(ids, rows), (texts, rows), (numbers, rows)]).decode().split("\r\n")
    assert lines[:4] == ["'=A1,'=1+1,-1.5", "'-1,'+SUM(A1),2.0", "G1,'-cmd,", "'@,'@x,-0.25"]
    assert lines[4].startswith("x,'\tab") and lines[5].startswith('y,"\'\rcr"')
    assert lines[6] == "z,plain,4.0" and lines[7] == "w,,5.0"

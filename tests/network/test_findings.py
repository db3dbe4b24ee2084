"""The check catalogue: every check has a name in both languages (legends, browser and summary show it)."""

from pipenet.network.model.findings import catalog, check_title


def test_every_check_has_a_title_in_both_languages():
    untitled = [check for check, entry in catalog().items()
                if not (entry.get("title_en") and entry.get("title_zh"))]
    assert untitled == []
    assert check_title("risk_no_data") != "risk_no_data"

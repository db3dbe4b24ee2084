"""The check catalogue: every check has a name in both languages (legends, browser and summary show it)."""

from pipenet.network.model.findings import catalog, check_title


def test_every_check_has_a_title_in_both_languages():
    untitled = [check for check, entry in catalog().items()
                if not (entry.get("title_en") and entry.get("title_zh"))]
    assert untitled == []
    assert check_title("risk_no_data") != "risk_no_data"


def test_every_check_belongs_to_a_family():
    from pipenet.network.model.findings import Family, check_family

    families = {check: entry.get("family") for check, entry in catalog().items()}
    assert {check for check, family in families.items() if family not in {f.value for f in Family}} == set()
    # sensor alarms are the monitoring family and only they are
    assert {check for check, entry in catalog().items() if entry["kind"] == "sensor"} == \
        {check for check in families if check_family(check) is Family.MONITORING}

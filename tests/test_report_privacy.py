"""The pseudonym key is secret: from the environment or a 0600 key file made once, never the source."""

import logging
import os
import stat
from pathlib import Path

import pytest

import crm_models.report.privacy as privacy
from crm_models import cli
from crm_models.report.privacy import key_file_path, pseudonym_key, pseudonymize


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("CRM_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "config"))
    return tmp_path / "config"


def test_key_file_is_created_once_private_and_reused(config_home, caplog):
    path = key_file_path()
    assert path == config_home / "crm_models" / "pseudonym.key"
    assert not path.exists()
    with caplog.at_level(logging.INFO, logger="crm_models.report.privacy"):
        first = pseudonymize(["+49 170 1234567", "alice"])
    assert path.exists()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text().strip())) == 32  # 256 random bits
    assert str(path) in caplog.text and "created" in caplog.text
    # a second run (a new process reads the same file): the same pseudonyms
    second = pseudonymize(["+49 170 1234567", "alice"])
    assert first.tolist() == second.tolist()
    assert first.iloc[0].startswith("cust-") and first.iloc[0] != first.iloc[1]
    assert pseudonym_key() == path.read_text().strip().encode()


def test_keys_differ_between_installations(tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_PSEUDONYM_KEY", raising=False)
    seen = []
    for name in ("a", "b"):
        monkeypatch.setenv("CRM_PSEUDONYM_KEY_FILE", str(tmp_path / name / "key"))
        seen.append(pseudonymize(["0170 1234567"]).iloc[0])
    assert seen[0] != seen[1]


def test_environment_key_wins_over_the_file(config_home, monkeypatch):
    from_file = pseudonymize(["x"]).iloc[0]
    monkeypatch.setenv("CRM_PSEUDONYM_KEY", "k1")
    assert pseudonymize(["x"]).iloc[0] == pseudonymize(["x"], key="k1").iloc[0] != from_file
    # the file's content, copied into the variable elsewhere, gives the file's pseudonyms
    monkeypatch.setenv("CRM_PSEUDONYM_KEY", key_file_path().read_text().strip())
    assert pseudonymize(["x"]).iloc[0] == from_file


def test_key_file_override_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_PSEUDONYM_KEY", raising=False)
    target = tmp_path / "secrets" / "crm.key"
    monkeypatch.setenv("CRM_PSEUDONYM_KEY_FILE", str(target))
    assert key_file_path() == target
    pseudonymize(["x"])
    assert target.exists()


def test_no_public_fallback_key_in_the_source():
    source = Path(privacy.__file__).read_text()
    assert "_FALLBACK_KEY" not in source and "fallback-key" not in source
    assert not hasattr(privacy, "_FALLBACK_KEY")


def test_cli_says_where_the_key_is(config_home, tmp_path, capsys):
    d = tmp_path / "notebooks"
    d.mkdir()
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("anonymize = False")]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(d / "tiny.ipynb"))
    cfg = tmp_path / "reports.yml"
    cfg.write_text("reports: [tiny]\n")
    assert cli.main(["--notebooks", str(d), "run", "--config", str(cfg), "--out", str(tmp_path / "out"),
                     "--progress", "off"]) == 0
    err = capsys.readouterr().err
    assert err.count("pseudonymised") == 1 and str(key_file_path()) in err

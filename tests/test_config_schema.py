"""grafana.yaml is validated whole: an unknown key is an error naming its path and the closest key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.config import load_config
from generator.config_schema import schema_errors
from generator.errors import ConfigError
from tests.project import copy_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "repo")


def _edit(project: Path, change) -> None:
    path = project / "grafana.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


def _build(project: Path):
    return CliRunner().invoke(main, ["build", "--root", str(project)])


def test_the_projects_own_grafana_yaml_is_valid():
    from tests.paths import REPO

    assert load_config(REPO)["environments"]["prod"]["token_env"] == "GRAFANA_TOKEN"


@pytest.mark.parametrize("change, path, suggestion", [
    (lambda d: d.__setitem__("enviroments", d.pop("environments")), "enviroments", "environments"),
    (lambda d: d.__setitem__("lnt", d.pop("lint")), "lnt", "lint"),
    (lambda d: d["environments"]["prod"].__setitem__("tokn_env", d["environments"]["prod"].pop("token_env")),
     "environments.prod.tokn_env", "token_env"),
    (lambda d: d["environments"]["local"].__setitem__("urll", d["environments"]["local"].pop("url")),
     "environments.local.urll", "url"),
    (lambda d: d["environments"]["prod"]["datasources"]["prometheus"].__setitem__(
        "basicAuthUsr", d["environments"]["prod"]["datasources"]["prometheus"].pop("basicAuthUser")),
     "environments.prod.datasources.prometheus.basicAuthUsr", "basicAuthUser"),
])
def test_a_misspelled_key_is_named_with_the_closest_valid_one(project, change, path, suggestion):
    _edit(project, change)
    result = _build(project)
    assert result.exit_code == 2, result.output
    assert f"{path}: unknown key (did you mean {suggestion!r}?)" in result.output
    assert "Traceback" not in result.output


def test_a_secret_key_the_data_source_type_never_reads_is_an_error(project):
    def change(data):
        secrets = data["environments"]["prod"]["datasources"]["prometheus"]["secrets"]
        secrets["basicAuthPasword"] = secrets.pop("basicAuthPassword")
    _edit(project, change)
    result = _build(project)
    assert result.exit_code == 2
    assert ("environments.prod.datasources.prometheus.secrets.basicAuthPasword" in result.output
            and "did you mean 'basicAuthPassword'?" in result.output)


def test_custom_header_secrets_are_accepted(project):
    def change(data):
        data["environments"]["prod"]["datasources"]["tempo"]["secrets"]["httpHeaderValue1"] = "TEMPO_TENANT"
    _edit(project, change)
    assert _build(project).exit_code == 0


def test_settings_for_an_undefined_data_source_are_an_error(project):
    def change(data):
        data["environments"]["local"]["datasources"]["promethues"] = {"url": "http://prometheus:9090"}
    _edit(project, change)
    result = _build(project)
    assert result.exit_code == 2
    assert "environments.local.datasources.promethues" in result.output and "'prometheus'" in result.output


def test_a_secret_value_pasted_where_a_variable_name_belongs_is_not_echoed(project):
    def change(data):
        data["environments"]["prod"]["datasources"]["loki"]["secrets"]["basicAuthPassword"] = "s3cr3t-Value!"
    _edit(project, change)
    result = _build(project)
    assert result.exit_code == 2
    assert "environment variable NAME" in result.output and "s3cr3t-Value!" not in result.output


def test_wrong_types_and_values_are_named():
    errors = schema_errors({"environments": {"prod": {"alerts_editable": "yes", "url": "grafana.example.com",
                                                      "org_id": 0},
                                             "dev": ["not", "a", "mapping"]},
                            "collector": {"translation_strategy": "UnderscoreEscapingWithSuffix"}})
    text = "\n".join(errors)
    assert "environments.prod.alerts_editable: expected true or false, found a string" in text
    assert "environments.prod.url: does not match" in text and "grafana.example.com" not in text
    assert "environments.dev: expected a mapping, found a list" in text
    assert "did you mean 'UnderscoreEscapingWithSuffixes'?" in text
    # each way org_id may be written, in words: not the schema's `anyOf` (Python type names neither)
    assert ("environments.prod.org_id: expected a whole number of at least 1 or a string matching ^[0-9]+$ "
            "(an organisation id)") in text
    assert "anyOf" not in text and "NoneType" not in text


def test_an_empty_value_is_said_in_yaml_words():
    text = "\n".join(schema_errors({"environments": {"prod": {"url": None, "alerts_editable": 1}}}))
    assert "environments.prod.url: expected a string, found null (an empty value)" in text
    assert "environments.prod.alerts_editable: expected true or false, found a number" in text


def test_load_config_raises_a_config_error_listing_every_problem(tmp_path):
    (tmp_path / "grafana.yaml").write_text("environments:\n  local: {urll: x, tokn_env: T}\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    message = str(err.value)
    assert "2 problem(s)" in message and "environments.local.urll" in message
    assert "environments.local.tokn_env" in message

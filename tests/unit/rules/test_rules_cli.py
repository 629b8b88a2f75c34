"""``onevisit rules check|explain``: what an operator sees."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from onevisit.cli import app

runner = CliRunner()
FIELDS = ["-f", "employees:integer", "-f", "industry:text", "-f", "high_tech:boolean", "-f", "founded:date"]


def test_check_prints_the_type_fields_and_sql() -> None:
    result = runner.invoke(
        app, ["rules", "check", "employees >= 10 AND industry LIKE 'C%'", *FIELDS, "--sql", "sqlite", "--sql", "spark"]
    )
    assert result.exit_code == 0, result.output
    assert "OK: boolean over employees, industry" in result.stdout
    assert 'sqlite: (("employees" >= 10) AND ("industry" GLOB \'C*\'))' in result.stdout
    assert "spark: ((`employees` >= 10) AND (`industry` LIKE 'C%'))" in result.stdout


def test_check_points_at_every_unknown_field_in_the_chosen_language() -> None:
    result = runner.invoke(app, ["rules", "check", "employes >= 10 AND industri = 'C'", *FIELDS, "--lang", "zh"])
    assert result.exit_code == 1
    assert (
        "rules.field.unknown: 未知字段“employes”；您是不是要写“employees”？(第 1 行第 1 列：employes)" in result.stderr
    )
    assert "employes >= 10 AND industri = 'C'\n                   ^^^^^^^^" in result.stderr


def test_check_a_formula_from_a_schema_file(tmp_path: Path) -> None:
    schema = tmp_path / "enterprise.json"
    schema.write_text(json.dumps({"insured_employees": "integer", "rent_fen": "fen"}))
    result = runner.invoke(
        app, ["rules", "check", "LEAST(insured_employees * 100000, 5000000)", "--schema", str(schema), "--value"]
    )
    assert result.exit_code == 0, result.output
    assert "OK: integer over insured_employees" in result.stdout
    refused = runner.invoke(app, ["rules", "check", "insured_employees > 1", "--schema", str(schema), "--value"])
    assert refused.exit_code == 1 and "Expected a number here, but this is true/false." in refused.stderr


def test_check_without_fields_or_with_a_bad_type_says_how_to_declare_them() -> None:
    assert "give --schema FILE or --field name:type" in runner.invoke(app, ["rules", "check", "x > 1"]).stderr
    bad = runner.invoke(app, ["rules", "check", "x > 1", "-f", "x:money"])
    assert bad.exit_code == 2 and "use name:type" in bad.stderr


def test_explain_shows_which_conditions_held_and_exits_nonzero_when_the_rule_fails(tmp_path: Path) -> None:
    rule = "employees >= 10 AND (industry IN ('C', 'I') OR high_tech) AND YEARS_BETWEEN(founded, TODAY()) >= 3"
    firm = {"employees": 12, "industry": "F", "high_tech": True, "founded": "2020-05-01"}
    held = runner.invoke(app, ["rules", "explain", rule, *FIELDS, "-r", json.dumps(firm), "--today", "2026-11-20"])
    assert held.exit_code == 0, held.output
    lines = held.stdout.splitlines()
    assert lines[0].startswith("✓ employees >= 10 AND")
    assert "  ✗ industry IN ('C', 'I')  — failed  [industry = 'F']" in lines[3]
    assert "✓ YEARS_BETWEEN(founded, TODAY()) >= 3  — held  [founded = 2020-05-01]" in held.stdout

    record = tmp_path / "firm.json"
    record.write_text(json.dumps({**firm, "employees": None}))
    unknown = runner.invoke(app, ["rules", "explain", rule, *FIELDS, "-r", f"@{record}", "--json", "--lang", "zh"])
    assert unknown.exit_code == 3
    data = json.loads(unknown.stdout)
    assert data["status"] == "unknown"
    assert data["children"][0] == {
        "text": "employees >= 10",
        "status": "unknown",
        "value": None,
        "inputs": {"employees": None},
        "children": [],
    }


def test_explain_refuses_a_record_that_does_not_fit_the_schema() -> None:
    result = runner.invoke(app, ["rules", "explain", "employees > 1", *FIELDS, "-r", '{"employees": "many"}'])
    assert result.exit_code == 2 and "employees: not a whole number" in result.stderr

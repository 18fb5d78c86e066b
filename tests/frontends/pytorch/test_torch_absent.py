"""Without torch: importing archcalc never imports torch, and a code target says which pip
command adds it. Run in fresh interpreters, so torch's absence can be simulated."""

import subprocess
import sys

from helpers import ROOT, SPECS


def python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)


def test_importing_and_analysing_a_spec_never_imports_torch():
    result = python("import sys, archcalc\n"
                    f"archcalc.analyze({str(SPECS / 'resnet18.yaml')!r})\n"
                    "from archcalc.cli import cli\n"
                    "assert 'torch' not in sys.modules, 'torch was imported'\n")
    assert result.returncode == 0, result.stderr


def test_a_code_target_without_torch_names_the_pip_command():
    # sys.modules['torch'] = None makes `import torch` fail as if it were not installed.
    result = python("import sys\nsys.modules['torch'] = None\n"
                    "from archcalc.cli import cli\n"
                    "sys.argv = ['archcalc', 'analyze', 'torchvision.models:resnet18', '--input', '1,3,224,224']\n"
                    "cli()\n")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'archcalc[torch]'" in lines[0], result.stderr

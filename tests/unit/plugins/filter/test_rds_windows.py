"""payments.aws_platform.rds_window_conflicts, called directly and through Jinja as a playbook would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.payments.aws_platform.plugins.filter.rds_windows import FilterModule
from ansible_collections.payments.aws_platform.plugins.filter.rds_windows import rds_window_conflicts

REPO = Path(__file__).resolve().parents[4]


def test_the_filter_is_exported_under_its_name():
    assert FilterModule().filters() == {"rds_window_conflicts": rds_window_conflicts}


@pytest.mark.parametrize(
    ("backup", "maintenance", "gap", "expected"),
    [
        ("03:00-04:00", "sun:05:00-sun:06:00", 30, []),
        ("03:00-04:00", "SUN:05:00-SUN:06:00", "30", []),  # a templated gap arrives as a string
        ("03:00-04:00", "sun:04:00-sun:05:00", 30, ["only 0 minutes"]),
        ("03:00-04:00", "sun:03:00-sun:04:00", 0, ["overlaps"]),
        ("23:45-00:10", "sat:23:00-sun:00:00", 0, ["must last at least 30 minutes"]),
        ("23:30-00:30", "sun:23:00-mon:00:00", 0, ["overlaps"]),
        ("03:00", "sun:05:00", 30, ["hh24:mi-hh24:mi", "ddd:hh24:mi-ddd:hh24:mi"]),
    ],
)
def test_problems_per_pair(backup, maintenance, gap, expected):
    problems = rds_window_conflicts(backup, maintenance, gap)

    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


def test_messages_name_the_variables_given():
    problems = rds_window_conflicts(
        "03:00-04:00",
        "sun:03:30-sun:04:30",
        backup_name="rds_kms_backup_window",
        maintenance_name="rds_kms_maintenance_window",
    )

    assert problems == [
        "rds_kms_backup_window 03:00-04:00 (daily) overlaps rds_kms_maintenance_window sun:03:30-sun:04:30"
    ]


def test_a_gap_that_is_not_a_number_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="gap_minutes"):
        rds_window_conflicts("03:00-04:00", "sun:05:00-sun:06:00", "half an hour")


def test_through_jinja_by_its_fqcn_as_a_playbook_calls_it():
    """ansible resolves the filter from the checkout (the .collections link) and returns the problems."""
    template = (
        "{{ '03:00-04:00' | payments.aws_platform.rds_window_conflicts('sun:04:10-sun:05:00', gap_minutes=30,"
        " backup_name='rds_kms_backup_window', maintenance_name='rds_kms_maintenance_window') | to_json }}"
    )
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible")),
            "localhost",
            "-m",
            "ansible.builtin.debug",
            "-a",
            f"msg={template}",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_LOCALHOST_WARNING": "false"},
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    assert (
        "rds_kms_backup_window 03:00-04:00 (daily) is only 10 minutes from rds_kms_maintenance_window"
        in completed.stdout
    )

"""Issue 20 (items 1 and 6), what the rds_kms role hands its modules and what each inventory sets: the modules'
own tests (tests/unit/plugins/modules) show what those values do against AWS-shaped answers."""

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ROLE = REPO / "roles" / "rds_kms"


def tasks(name):
    return yaml.safe_load((ROLE / "tasks" / name).read_text(encoding="utf-8"))


def task_using(task_list, module):
    found = [task for task in task_list if module in task]
    assert len(found) == 1, found
    return found[0]


def inventory(env):
    return yaml.safe_load((REPO / "inventories" / env / "group_vars" / env / "rds_kms.yml").read_text(encoding="utf-8"))


def test_the_secret_policy_keeps_the_principals_the_live_policy_lists():
    task = task_using(tasks("secret_policy.yml"), "payments.aws_platform.secretsmanager_resource_policy")
    arguments = task["payments.aws_platform.secretsmanager_resource_policy"]

    assert arguments["keep_listed_principals"] is True
    assert arguments["revoked_principals"] == "{{ rds_kms_secret_revoked_arns }}"


def test_the_destroy_turns_deletion_protection_off_without_applying_queued_changes():
    task = task_using(tasks("absent.yml")[:2], "payments.aws_platform.rds_db_instance")
    arguments = task["payments.aws_platform.rds_db_instance"]

    assert arguments == {
        "db_instance_identifier": "{{ payments_names.db_instance }}",
        "deletion_protection": False,
        "apply_immediately": False,
    }
    assert "deletion_protection" in task["when"]  # and only when it is on


def test_the_converge_passes_rds_kms_apply_immediately():
    task = task_using(tasks("present.yml"), "payments.aws_platform.rds_db_instance")

    assert task["payments.aws_platform.rds_db_instance"]["apply_immediately"] == "{{ rds_kms_apply_immediately }}"


@pytest.mark.parametrize(("env", "apply_immediately"), [("dev", True), ("staging", True), ("prod", False)])
def test_apply_immediately_per_inventory(env, apply_immediately):
    assert inventory(env)["rds_kms_apply_immediately"] is apply_immediately


def test_prod_requires_and_sets_the_secret_admins():
    prod = inventory("prod")

    assert prod["rds_kms_secret_admin_arns_required"] is True
    assert len(prod["rds_kms_secret_admin_arns"]) >= 2
    for env in ("dev", "staging"):
        assert inventory(env).get("rds_kms_secret_admin_arns_required", False) is False


def test_verify_knows_the_same_ready_states_as_the_module():
    from ansible_collections.payments.aws_platform.plugins.module_utils import rds

    tasks_file = yaml.safe_load((REPO / "playbooks" / "tasks" / "verify_rds_state.yml").read_text(encoding="utf-8"))

    assert tuple(tasks_file[0]["vars"]["__payments_verify_db_ready_statuses"]) == rds.READY_STATUSES


def verify_rows(tmp_path, instance):
    """The rows playbooks/tasks/verify_rds_state.yml adds for one DescribeDBInstances answer (as rds_instance_info
    returns it, snake_cased), run by ansible-playbook on localhost."""
    import json
    import os
    import subprocess
    import sys

    out = tmp_path / "rows.json"
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Run the verify rows",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars": {
                        "__payments_verify_rows": [],
                        "__payments_verify_db": {"instances": [instance] if instance else []},
                        "payments_names": {"db_instance": "payments-prod-db"},
                    },
                    "tasks": [
                        {
                            "name": "Rows",
                            "ansible.builtin.import_tasks": str(REPO / "playbooks/tasks/verify_rds_state.yml"),
                        },
                        {
                            "name": "Write",
                            "ansible.builtin.copy": {
                                "content": "{{ __payments_verify_rows | to_json }}",
                                "dest": str(out),
                            },
                        },
                    ],
                }
            ]
        ),
        encoding="utf-8",
    )
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_STRATEGY="linear")
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            *("-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}", str(playbook)),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return {row["check"]: row for row in json.loads(out.read_text(encoding="utf-8"))}


def test_verify_reports_a_backup_and_a_queued_change_without_failing(tmp_path):
    rows = verify_rows(
        tmp_path,
        {
            "db_instance_status": "backing-up",
            "endpoint": {"address": "payments-prod-db.abc.us-east-1.rds.amazonaws.com", "port": 5432},
            "db_instance_class": "db.r6g.large",
            "preferred_maintenance_window": "sun:05:00-sun:06:00",
            "pending_modified_values": {"db_instance_class": "db.r6g.xlarge"},
        },
    )

    assert rows["rds state"]["status"] == "PASS"
    assert rows["rds state"]["actual"] == "backing-up"
    assert rows["rds pending modifications"]["status"] == "PASS"
    assert rows["rds pending modifications"]["actual"] == (
        'db_instance_class: db.r6g.large -> "db.r6g.xlarge" (applied in the maintenance window sun:05:00-sun:06:00)'
    )


@pytest.mark.parametrize("status", ["failed", "incompatible-parameters", "creating"])
def test_verify_fails_on_a_state_the_instance_does_not_serve_in(tmp_path, status):
    rows = verify_rows(tmp_path, {"db_instance_status": status, "endpoint": {"address": "x", "port": 5432}})

    assert rows["rds state"]["status"] == "FAIL"
    assert rows["rds state"]["actual"] == f"{status} (not ready)"

"""Issue 20, item 3: the web ACL is deleted by community.aws.wafv2_web_acl (roles/apigw_waf); right after
the disassociation AWS answers WAFAssociatedItemException for a while. Each delete task retries on that
error only, bounded (5 minutes), and fails at once on any other."""

from pathlib import Path

import pytest
import yaml
from ansible.template import Templar
from ansible.template import trust_as_template

ROLE_TASKS = Path(__file__).resolve().parents[2] / "roles" / "apigw_waf" / "tasks"
ASSOCIATED = (
    "Failed to remove wafv2 web acl.: An error occurred (WAFAssociatedItemException) when calling the DeleteWebACL "
    "operation: AWS WAF couldn't perform the operation because your resource is being used by another resource"
)


def delete_tasks():
    """Every task of the role that deletes the web ACL, found in nested blocks."""

    def walk(tasks):
        for task in tasks or []:
            if "block" in task:
                yield from walk(task["block"])
            elif task.get("community.aws.wafv2_web_acl", {}).get("state") == "absent":
                yield task

    for path in sorted(ROLE_TASKS.glob("*.yml")):
        for task in walk(yaml.safe_load(path.read_text())):
            yield pytest.param(task, id=f"{path.name}:{task['name']}")


def stops_retrying(task, result):
    templar = Templar(variables={task["register"]: result})
    return templar.evaluate_conditional(trust_as_template(task["until"]))


@pytest.mark.parametrize("task", list(delete_tasks()))
def test_the_delete_retries_only_while_the_acl_is_still_associated(task):
    assert "until" in task, f"{task['name']} has no retry on WAFAssociatedItemException"
    assert task["retries"] * task["delay"] <= 300

    assert stops_retrying(task, {"failed": True, "msg": ASSOCIATED}) is False
    assert stops_retrying(task, {"failed": True, "msg": "Failed to remove wafv2 web acl.: AccessDeniedException"})
    assert stops_retrying(task, {"failed": False, "changed": True})


def test_both_deletes_are_found():
    assert len(list(delete_tasks())) == 2

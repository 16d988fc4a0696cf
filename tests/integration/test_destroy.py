"""playbooks/destroy.yml refuses prod without its stack name, before any AWS call. The destroy itself (all three
environments, nothing left, a rerun changes nothing, prod's final snapshot) is in test_lifecycle.py."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration

# An endpoint nobody listens on: a refusal must come before the first AWS call, so no call is tried.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.mark.parametrize("confirmation", [None, "", "payments-dev", "prod", "payments-prod "])
def test_prod_destroy_refuses_without_the_stack_name_before_any_aws_call(playbook, confirmation):
    extra = [] if confirmation is None else ["-e", json.dumps({"confirm_destroy": confirmation})]

    run = playbook("playbooks/destroy.yml", "-i", "inventories/prod", *extra, endpoint=UNREACHABLE)

    assert run.returncode != 0
    assert "confirm_destroy=payments-prod" in run.output
    assert "Could not connect to the endpoint URL" not in run.output
    assert "Remove the API" not in run.output


def test_prod_stays_protected_even_when_the_inventory_turns_confirmation_off(playbook):
    run = playbook(
        "playbooks/destroy.yml",
        "-i",
        "inventories/prod",
        "-e",
        "payments_destroy_requires_confirmation=false",
        endpoint=UNREACHABLE,
    )

    assert run.returncode != 0
    assert "confirm_destroy=payments-prod" in run.output
    assert "Could not connect to the endpoint URL" not in run.output


def test_any_environment_can_ask_for_confirmation(playbook):
    run = playbook(
        "playbooks/destroy.yml",
        "-i",
        "inventories/staging",
        "-e",
        "payments_destroy_requires_confirmation=true",
        endpoint=UNREACHABLE,
    )

    assert run.returncode != 0
    assert "confirm_destroy=payments-staging" in run.output
    assert "Could not connect to the endpoint URL" not in run.output

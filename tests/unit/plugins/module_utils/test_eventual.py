"""The one propagation retry: exactly the codes (and, for generic codes, the messages) given, bounded
in time (minutes, with a backoff capped at 20 s), every other error at once."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.payments.aws_platform.plugins.module_utils import eventual


def client_error(code, message="", operation="Call"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class Flaky:
    """A call that raises ``failures`` in turn, then answers ``"done"``."""

    def __init__(self, failures):
        self.failures = list(failures)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


# (conditions, code, message AWS answers while the thing propagates)
PROPAGATING = [
    (
        eventual.CONTINUOUS_BACKUPS_NOT_READY,
        "ContinuousBackupsUnavailableException",
        "Backups are being enabled for the table: payments-dev-transactions. Please retry later",
    ),
    (
        eventual.APIGW_ROLE_NOT_PROPAGATED,
        "BadRequestException",
        "The role ARN does not have required permissions set to API Gateway",
    ),
    (
        eventual.WAF_STILL_ASSOCIATED,
        "WAFAssociatedItemException",
        "AWS WAF couldn\u2019t perform the operation because your resource is being used by another resource or "
        "it\u2019s associated with another resource.",
    ),
    (
        eventual.LOGS_KMS_KEY_NOT_PROPAGATED,
        "AccessDeniedException",
        "The specified KMS key does not exist or is not allowed to be used with Arn "
        "'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/payments-dev-processor'",
    ),
    (
        eventual.LOGS_KMS_KEY_NOT_PROPAGATED,
        "InvalidParameterException",
        "Specified KMS key does not exist or is not allowed to be used with Arn 'arn:aws:logs:...'",
    ),
    (
        eventual.LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED,
        "InvalidParameterValueException",
        "The role defined for the function cannot be assumed by Lambda.",
    ),
    (
        eventual.LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED,
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call CreateNetworkInterface on EC2",
    ),
    (
        eventual.LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED,
        "InvalidParameterValueException",
        "Lambda was unable to configure access to your environment variables because the KMS key is invalid for "
        "CreateGrant. Please check your KMS key settings. KMS Exception: InvalidArnException",
    ),
]
IDS = [f"{code}-{index}" for index, (_, code, _) in enumerate(PROPAGATING)]


@pytest.mark.parametrize(("codes", "code", "message"), PROPAGATING, ids=IDS)
def test_each_propagation_answer_is_retried_until_the_call_succeeds(fake_clock, codes, code, message):
    call = Flaky([client_error(code, message)] * 6)

    assert eventual.retry_while_propagating(call, codes) == "done"

    assert call.calls == 7
    assert len(fake_clock.sleeps) == 6
    assert max(fake_clock.sleeps) <= 20


# The same codes with another meaning, and codes no condition lists: raised at once.
NOT_PROPAGATING = [
    (eventual.APIGW_ROLE_NOT_PROPAGATED, "BadRequestException", "Invalid patch path /cloudwatchRoleArnx"),
    (eventual.LOGS_KMS_KEY_NOT_PROPAGATED, "InvalidParameterException", "1 validation error: retentionInDays"),
    (eventual.LOGS_KMS_KEY_NOT_PROPAGATED, "AccessDeniedException", "User is not authorized to logs:CreateLogGroup"),
    (eventual.LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED, "InvalidParameterValueException", "Unsupported runtime"),
    (eventual.LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED, "AccessDeniedException", "cannot be assumed by Lambda"),
    (eventual.CONTINUOUS_BACKUPS_NOT_READY, "TableNotFoundException", "Table not found"),
    (eventual.WAF_STILL_ASSOCIATED, "WAFOptimisticLockException", "lock token changed"),
]


@pytest.mark.parametrize(("codes", "code", "message"), NOT_PROPAGATING)
def test_any_other_error_is_raised_at_once(fake_clock, codes, code, message):
    call = Flaky([client_error(code, message)])

    with pytest.raises(ClientError, match=code):
        eventual.retry_while_propagating(call, codes)

    assert call.calls == 1
    assert fake_clock.sleeps == []


def test_the_retry_gives_up_after_its_time_bound_with_the_last_error(fake_clock):
    start = fake_clock.now
    call = Flaky([client_error("ContinuousBackupsUnavailableException", "retry later")] * 1000)

    with pytest.raises(ClientError, match="ContinuousBackupsUnavailableException"):
        eventual.retry_while_propagating(call, eventual.CONTINUOUS_BACKUPS_NOT_READY)

    waited = fake_clock.now - start
    assert waited <= eventual.TIMEOUT == 300
    # Minutes, not seconds: it kept trying for most of its five minutes, every wait at most 20 s.
    assert waited >= eventual.TIMEOUT - eventual.MAX_DELAY
    assert max(fake_clock.sleeps) <= eventual.MAX_DELAY == 20
    assert call.calls == len(fake_clock.sleeps) + 1


def test_the_backoff_doubles_from_two_seconds_up_to_its_cap(fake_clock, monkeypatch):
    monkeypatch.setattr(eventual.random, "uniform", lambda low, high: high)  # no jitter: the upper bounds
    call = Flaky([client_error("ContinuousBackupsUnavailableException")] * 7)

    eventual.retry_while_propagating(call, eventual.CONTINUOUS_BACKUPS_NOT_READY)

    assert fake_clock.sleeps == [2, 4, 8, 16, 20, 20, 20]


def test_a_custom_bound_is_honoured(fake_clock):
    call = Flaky([client_error("WAFAssociatedItemException")] * 1000)

    with pytest.raises(ClientError):
        eventual.retry_while_propagating(call, eventual.WAF_STILL_ASSOCIATED, timeout=30)

    assert sum(fake_clock.sleeps) <= 30


def test_the_decorator_passes_arguments_and_retries(fake_clock):
    failures = [client_error("ContinuousBackupsUnavailableException")] * 2

    @eventual.while_propagating(eventual.CONTINUOUS_BACKUPS_NOT_READY)
    def update(name, enabled=False):
        if failures:
            raise failures.pop(0)
        return (name, enabled)

    assert update("t", enabled=True) == ("t", True)
    assert len(fake_clock.sleeps) == 2


def test_associating_a_new_key_with_an_existing_log_group_waits_for_it(fake_clock):
    """AssociateKmsKey (the emulator answers it with HTTP 500, so a fake client here)."""
    from ansible_collections.payments.aws_platform.plugins.module_utils import logs

    class Logs:
        calls = 0

        def associate_kms_key(self, logGroupName, kmsKeyId):  # noqa: N803 (boto3 argument names)
            self.calls += 1
            if self.calls <= 5:
                raise client_error("AccessDeniedException", "The specified KMS key does not exist or is not allowed")

    fake = Logs()
    logs.set_kms_key(fake, "/aws/lambda/x", "arn:aws:kms:us-east-1:123456789012:key/k")

    assert fake.calls == 6

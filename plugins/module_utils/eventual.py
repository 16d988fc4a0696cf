# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One bounded retry for AWS's eventual consistency: a call refused because something made moments
ago (a table, an IAM role, a KMS key, a disassociation) is not visible to the service yet.

AWS answers those cases with a specific error code, or with a generic one (BadRequestException,
InvalidParameterValueException) whose message says what is not there yet. ``retry_while_propagating``
retries exactly the codes it is given, and a generic code only when its message matches; every other
error is raised at once. The wait is sized for AWS (IAM and KMS usually propagate in seconds, sometimes
in a minute or two): up to ``TIMEOUT`` seconds, with a jittered backoff from ``FIRST_DELAY`` seconds
capped at ``MAX_DELAY``. Throttling and 5xx answers are already retried by ``base.client``.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import functools
import random
import re
import time

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

TIMEOUT = 300
FIRST_DELAY = 2
MAX_DELAY = 20

# What each call answers while what it depends on propagates: {error code: message pattern or None}.
# None means the code itself says so; a pattern (searched, case-insensitive) narrows a generic code.

# DynamoDB UpdateContinuousBackups right after CreateTable.
CONTINUOUS_BACKUPS_NOT_READY = {"ContinuousBackupsUnavailableException": None}
# API Gateway UpdateAccount with a CloudWatch role made moments ago.
APIGW_ROLE_NOT_PROPAGATED = {"BadRequestException": r"role ARN does not have required permissions"}
# WAFv2 DeleteWebACL right after the ACL's last disassociation. The web ACL is deleted by
# community.aws.wafv2_web_acl in roles/apigw_waf, whose task retries on this code (retries/until).
WAF_STILL_ASSOCIATED = {"WAFAssociatedItemException": None}
# CloudWatch Logs CreateLogGroup / AssociateKmsKey with a KMS key made (or whose policy changed) moments ago.
LOGS_KMS_KEY_NOT_PROPAGATED = {
    "InvalidParameterException": r"KMS key",
    "AccessDeniedException": r"KMS key",
}
# Lambda CreateFunction / UpdateFunctionConfiguration with an execution role (or its policy) or a KMS
# key made moments ago.
LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED = {
    "InvalidParameterValueException": (
        r"cannot be assumed by Lambda|execution role does not have permissions to call|Lambda was unable to .*KMS"
    ),
}


def error_code(error):
    return error.response.get("Error", {}).get("Code")


def is_propagating(error, codes):
    """True when ``error`` (a ClientError) is one of ``codes`` and, for a code with a pattern, its
    message matches."""
    code = error_code(error)
    if code not in codes:
        return False
    pattern = codes[code]
    if pattern is None:
        return True
    return re.search(pattern, error.response.get("Error", {}).get("Message", ""), re.IGNORECASE) is not None


def retry_while_propagating(
    call, codes, timeout=TIMEOUT, first_delay=FIRST_DELAY, max_delay=MAX_DELAY, sleep=None, clock=None
):
    """``call()``'s result; while it raises one of ``codes`` (see ``is_propagating``), call again after a
    jittered backoff, for ``timeout`` seconds at most, then raise the last error. Any other error is
    raised at once. ``sleep`` and ``clock`` default to ``time.sleep`` and ``time.monotonic``."""
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + timeout
    attempt = 0
    while True:
        try:
            return call()
        except ClientError as e:
            if not is_propagating(e, codes):
                raise
            delay = min(max_delay, first_delay * 2**attempt)
            delay = random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not cryptography
            if clock() + delay > deadline:
                raise
            attempt += 1
            sleep(delay)


def while_propagating(codes, **options):
    """Decorator form of ``retry_while_propagating``."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return retry_while_propagating(lambda: function(*args, **kwargs), codes, **options)

        return wrapper

    return decorate

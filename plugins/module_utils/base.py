# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layer every module of this collection shares: one client factory with one retry policy,
tag helpers, policy comparison and the check-mode/diff result shape.

Modules stay thin: they build an argument spec, hand their ``ensure_present`` / ``ensure_absent`` to
``run_by_state``, read the current state through small functions in a service file (``ec2.py``...) and
call ``exit_with`` once.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import json
import urllib.parse

try:
    import botocore.loaders
    import botocore.session
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# Error codes AWS uses for "slow down" or "try again" beyond those AWSRetry already knows
# (AWSRetry catches Throttling, RequestLimitExceeded, ThrottlingException, 5xx, ...).
EXTRA_RETRY_CODES = [
    "ThrottlingException",
    "Throttled",
    "RequestThrottled",
    "RequestThrottledException",
    "EC2ThrottledException",
    "ProvisionedThroughputExceededException",
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
]

# 12 tries with a jittered backoff from 1 s, capped at 20 s: about two minutes of patience, enough
# to ride out a burst of throttling without hiding a real outage.
RETRY = AWSRetry.jittered_backoff(
    retries=12, delay=1, backoff=2.0, max_delay=20, catch_extra_error_codes=EXTRA_RETRY_CODES
)


class _UniquePaths(list):
    """A loader's search paths: boto3 appends its own data directory to the loader of every session it
    makes, which, on a shared loader, would otherwise grow the list by one entry per session."""

    def append(self, path):
        if path not in self:
            super().append(path)


def share_botocore_loader():
    """Let every botocore session of this interpreter share one data loader per data path.

    Each module run makes a new boto3 session, and a new session parses the service's model again:
    about 0.13 s for EC2, on every task. Where the interpreter outlives a module run (the mitogen
    strategy keeps one per host), the loader's caches then serve every later run. The models are
    read-only, so sharing them changes nothing else. Idempotent; a no-op where botocore is missing."""
    try:
        original = botocore.loaders.create_loader
        current = botocore.session.create_loader
    except NameError:
        return
    if getattr(current, "payments_shared", False):
        return
    loaders = {}

    def shared_loader(search_path_string=None):
        loader = loaders.get(search_path_string)
        if loader is None:
            loader = original(search_path_string)
            # Loader keeps its list in _search_paths; its search_paths property returns that same list.
            loader._search_paths = _UniquePaths(loader.search_paths)
            loaders[search_path_string] = loader
        return loader

    shared_loader.payments_shared = True
    botocore.session.create_loader = shared_loader


class _RetryingClient:
    """A boto3 client whose every API call is retried with ``RETRY`` (amazon.aws's own wrapper
    retries only calls made with ``aws_retry=True``, which is easy to forget)."""

    _passthrough = ("get_paginator", "can_paginate", "get_waiter", "generate_presigned_url", "meta", "exceptions")

    def __init__(self, boto3_client):
        self._client = boto3_client

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if name in self._passthrough or not callable(attribute):
            return attribute
        wrapped = RETRY(attribute)
        setattr(self, name, wrapped)
        return wrapped


def client(module, service):
    """The one boto3 client factory: endpoint, region and credentials from the module's
    connection options (so ``module_defaults`` reach it), every call retried with ``RETRY``."""
    share_botocore_loader()
    return _RetryingClient(module.client(service))


# The endpoints that are the local emulator: the same rule as the playbooks' (fake credentials only for a
# loopback aws_endpoint_url). An emulator workaround runs only where this is true.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_local_emulator(module):
    """True when the module talks to the local emulator (its endpoint_url, from aws_endpoint_url, is on
    loopback); False for AWS (no endpoint_url) and any other endpoint."""
    endpoint = module.params.get("endpoint_url") or ""
    return urllib.parse.urlsplit(endpoint).hostname in LOOPBACK_HOSTS


def paginate(boto3_client, operation, result_key, **params):
    """Every item of a paginated list call, each page retried."""
    items = []
    token_name = None
    while True:
        page = getattr(boto3_client, operation)(**params)
        items.extend(page.get(result_key, []))
        token_name = token_name or next((name for name in ("NextToken", "nextToken", "Marker") if page.get(name)), None)
        if not token_name or not page.get(token_name):
            return items
        params[token_name] = page[token_name]


def tags_to_dict(tag_list):
    """A boto3 ``[{Key, Value}]`` list (either case) as a plain dict."""
    if not tag_list:
        return {}
    key_name = "Key" if "Key" in tag_list[0] else "key"
    value_name = "Value" if "Value" in tag_list[0] else "value"
    return boto3_tag_list_to_ansible_dict(tag_list, key_name, value_name)


def tags_to_list(tags):
    return ansible_dict_to_boto3_tag_list(tags or {})


def tag_changes(current, desired, purge):
    """(tags to set, keys to remove); ``desired`` None means "leave tags alone"."""
    if desired is None:
        return {}, []
    return compare_aws_tags(current or {}, desired, purge_tags=purge)


def apply_tag_changes(current, tags_to_set, tags_to_remove):
    """The tags a resource has once ``tag_changes`` are applied to ``current``."""
    tags = {key: value for key, value in (current or {}).items() if key not in tags_to_remove}
    tags.update(tags_to_set)
    return tags


def _canonical(value):
    """A policy document in a form where equivalent documents compare equal: single-item lists
    and strings are the same to IAM, and key order never matters."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        if len(items) == 1 and not isinstance(items[0], (dict, list)):
            return items[0]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def load_policy(document):
    """A policy as a dict, whether AWS returned it as a (URL-decoded) string or a dict."""
    if document is None or document == "":
        return None
    if isinstance(document, str):
        return json.loads(document)
    return document


def policies_equal(left, right):
    return _canonical(load_policy(left)) == _canonical(load_policy(right))


def exit_with(module, changed, before, after, **result):
    """Leave the module with ``changed``, the resource as ``after`` and, under ``--diff``,
    ``diff: {before, after}``. ``before``/``after`` are plain dicts ({} when absent)."""
    if module._diff:
        result["diff"] = {"before": before or {}, "after": after or {}}
    module.exit_json(changed=changed, **result)


def run_by_state(module, service, handlers, failure_message, *extra):
    """Call ``handlers[state](module, client, *extra)`` with this layer's retrying client; an AWS error
    becomes ``fail_json_aws`` here, once, for every module."""
    aws_client = client(module, service)
    try:
        handlers[module.params["state"]](module, aws_client, *extra)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=failure_message)

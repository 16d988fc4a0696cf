# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CloudWatch (metrics, alarms, dashboards) calls this collection's modules make, one small
function each, and the canonical forms that let a module compare what it wants with what AWS holds.

Every function takes a client made by ``base.client(module, "cloudwatch")`` (so each call is retried)
and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import json

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

# GetDashboard / DeleteDashboards answer a missing dashboard with one of these, depending on protocol.
DASHBOARD_NOT_FOUND = ("ResourceNotFound", "ResourceNotFoundException", "DashboardNotFoundError")
ALARM_NOT_FOUND = ("ResourceNotFound", "ResourceNotFoundException")

# The fields of DescribeAlarms that are the alarm's configuration (PutMetricAlarm's input); the rest
# (state, timestamps, ARN) say what the alarm currently sees.
ALARM_FIELDS = (
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
)


# ---------------------------------------------------------------------------------------------------
# Dashboards


def canonical_body(body):
    """A dashboard body as a dict, whether given as a JSON string or a dict: two bodies that differ
    only in key order or whitespace compare equal. An empty body is {}."""
    if body is None or body == "":
        return {}
    if isinstance(body, str):
        return json.loads(body)
    return body


def bodies_equal(left, right):
    return json.dumps(canonical_body(left), sort_keys=True) == json.dumps(canonical_body(right), sort_keys=True)


def get_dashboard(cw_client, name):
    """The dashboard called ``name`` (GetDashboard's answer), or None."""
    try:
        return cw_client.get_dashboard(DashboardName=name)
    except ClientError as e:
        if e.response["Error"]["Code"] in DASHBOARD_NOT_FOUND:
            return None
        raise


def put_dashboard(cw_client, name, body):
    """Write the dashboard; returns CloudWatch's validation messages (warnings, possibly empty)."""
    reply = cw_client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(canonical_body(body), sort_keys=True))
    return reply.get("DashboardValidationMessages", [])


def delete_dashboard(cw_client, name):
    """False when it was already gone."""
    try:
        cw_client.delete_dashboards(DashboardNames=[name])
    except ClientError as e:
        if e.response["Error"]["Code"] in DASHBOARD_NOT_FOUND:
            return False
        raise
    return True


# ---------------------------------------------------------------------------------------------------
# Metric alarms


def describe_alarm(cw_client, name):
    """The metric alarm called exactly ``name``, or None."""
    alarms = cw_client.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"]).get("MetricAlarms", [])
    return next((alarm for alarm in alarms if alarm["AlarmName"] == name), None)


def _canonical_dimensions(dimensions):
    return sorted(({"Name": d["Name"], "Value": d["Value"]} for d in dimensions or []), key=lambda d: d["Name"])


def _canonical_query(query):
    query = {key: value for key, value in query.items() if value not in (None, "")}
    query.setdefault("ReturnData", True)
    stat = query.get("MetricStat")
    if stat:
        metric = dict(stat["Metric"])
        metric["Dimensions"] = _canonical_dimensions(metric.get("Dimensions"))
        query["MetricStat"] = dict(stat, Metric=metric)
    return query


def canonical_alarm(config):
    """An alarm's configuration (PutMetricAlarm's input, or DescribeAlarms' answer) in a form where
    equivalent alarms compare equal: only configuration fields, actions and dimensions sorted, the
    threshold a float, and AWS's implicit defaults made explicit."""
    alarm = {field: config[field] for field in ALARM_FIELDS if config.get(field) not in (None, "", [])}
    for field in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        alarm[field] = sorted(alarm.get(field, []))
    if "Dimensions" in alarm:
        alarm["Dimensions"] = _canonical_dimensions(alarm["Dimensions"])
    if "Metrics" in alarm:
        alarm["Metrics"] = [_canonical_query(query) for query in alarm["Metrics"]]
    if "Threshold" in alarm:
        alarm["Threshold"] = float(alarm["Threshold"])
    alarm.setdefault("ActionsEnabled", True)
    alarm.setdefault("TreatMissingData", "missing")
    # Unset, CloudWatch alarms when every evaluated period breaches: the same as M = N.
    alarm.setdefault("DatapointsToAlarm", alarm.get("EvaluationPeriods"))
    return alarm


def alarms_equal(current, desired):
    return canonical_alarm(current) == canonical_alarm(desired)


def put_alarm(cw_client, config, tags=None):
    """PutMetricAlarm with ``config``; tags count only at creation (AWS ignores them on an update)."""
    request = dict(config)
    if tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
    cw_client.put_metric_alarm(**request)


def delete_alarm(cw_client, name):
    """DeleteAlarms succeeds for a missing name: the caller checks existence first."""
    cw_client.delete_alarms(AlarmNames=[name])


def list_tags(cw_client, arn):
    tags = cw_client.list_tags_for_resource(ResourceARN=arn).get("Tags", [])
    return {tag["Key"]: tag["Value"] for tag in tags}


def update_tags(cw_client, arn, tags_to_set, tags_to_remove):
    if tags_to_remove:
        cw_client.untag_resource(ResourceARN=arn, TagKeys=list(tags_to_remove))
    if tags_to_set:
        cw_client.tag_resource(
            ResourceARN=arn, Tags=[{"Key": key, "Value": value} for key, value in tags_to_set.items()]
        )

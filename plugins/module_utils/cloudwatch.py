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
from collections import namedtuple

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import paginate
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes

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
# Metric alarms: the options of one alarm (cloudwatch_metric_alarm's, and each item of
# cloudwatch_metric_alarms' ``alarms``), their checks and the PutMetricAlarm request they stand for.

COMPARISONS = [
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]
# DescribeAlarms and DeleteAlarms take at most 100 alarm names a call.
ALARM_NAMES_PER_CALL = 100


def _query_argument_spec():
    return dict(
        id=dict(type="str", required=True),
        expression=dict(type="str"),
        label=dict(type="str"),
        return_data=dict(type="bool", default=False),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="dict", default={}),
        stat=dict(type="str"),
        period=dict(type="int"),
        unit=dict(type="str"),
    )


def alarm_argument_spec():
    """The options that describe one alarm (without tags, purge_tags and state)."""
    return dict(
        name=dict(type="str", required=True, aliases=["alarm_name"]),
        description=dict(type="str", default=""),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
        extended_statistic=dict(type="str"),
        dimensions=dict(type="dict", default={}),
        period=dict(type="int"),
        unit=dict(type="str"),
        metrics=dict(type="list", elements="dict", default=[], options=_query_argument_spec()),
        comparison_operator=dict(type="str", choices=COMPARISONS, aliases=["comparison"]),
        threshold=dict(type="float"),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        treat_missing_data=dict(
            type="str", default="missing", choices=["breaching", "notBreaching", "ignore", "missing"]
        ),
        actions_enabled=dict(type="bool", default=True),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
    )


# The argument spec's own rule for one alarm's options.
ALARM_MUTUALLY_EXCLUSIVE = [("statistic", "extended_statistic")]


def _math_error(params):
    if params["namespace"] or params["metric_name"] or params["statistic"] or params["extended_statistic"]:
        return "metrics (metric math) excludes namespace, metric_name, statistic and extended_statistic"
    for spec in params["metrics"]:
        if bool(spec["expression"]) == bool(spec["metric_name"]):
            return f"metrics[{spec['id']}] needs exactly one of expression or metric_name"
        if spec["metric_name"] and not (spec["namespace"] and spec["stat"] and spec["period"]):
            return f"metrics[{spec['id']}] with metric_name needs namespace, stat and period"
    if sum(1 for spec in params["metrics"] if spec["return_data"]) != 1:
        return "metrics needs exactly one query with return_data: true"
    return None


def _single_metric_error(params):
    missing = [name for name in ("namespace", "metric_name", "period") if not params[name]]
    if missing:
        return f"a single-metric alarm needs {', '.join(missing)} (or give metrics)"
    if bool(params["statistic"]) == bool(params["extended_statistic"]):
        return "give exactly one of statistic or extended_statistic"
    return None


def _evaluation_error(params):
    for name in ("comparison_operator", "threshold", "evaluation_periods"):
        if params[name] is None:
            return f"state=present needs {name}"
    if params["evaluation_periods"] < 1:
        return f"evaluation_periods must be 1 or more (got {params['evaluation_periods']})"
    datapoints = params["datapoints_to_alarm"]
    if datapoints is not None and not 1 <= datapoints <= params["evaluation_periods"]:
        return f"datapoints_to_alarm must be 1 to evaluation_periods (got {datapoints})"
    return None


def alarm_params_error(params):
    """What the argument spec cannot say about one alarm to put (one metric or one expression, and a
    complete one): the first problem found, or None."""
    metric_error = _math_error(params) if params["metrics"] else _single_metric_error(params)
    return metric_error or _evaluation_error(params)


def _dimensions(mapping):
    return [{"Name": str(name), "Value": str(value)} for name, value in sorted((mapping or {}).items())]


def _query(spec):
    query = {"Id": spec["id"], "ReturnData": spec["return_data"]}
    if spec["label"]:
        query["Label"] = spec["label"]
    if spec["expression"]:
        query["Expression"] = spec["expression"]
        if spec["period"]:
            query["Period"] = spec["period"]
        return query
    stat = {
        "Metric": {
            "Namespace": spec["namespace"],
            "MetricName": spec["metric_name"],
            "Dimensions": _dimensions(spec["dimensions"]),
        },
        "Period": spec["period"],
        "Stat": spec["stat"],
    }
    if spec["unit"]:
        stat["Unit"] = spec["unit"]
    query["MetricStat"] = stat
    return query


def _single_metric(params):
    metric = {"Namespace": params["namespace"], "MetricName": params["metric_name"], "Period": params["period"]}
    metric["Dimensions"] = _dimensions(params["dimensions"])
    if params["statistic"]:
        metric["Statistic"] = params["statistic"]
    else:
        metric["ExtendedStatistic"] = params["extended_statistic"]
    if params["unit"]:
        metric["Unit"] = params["unit"]
    return metric


def desired_config(params):
    """The PutMetricAlarm request one alarm's (checked) options stand for."""
    config = {
        "AlarmName": params["name"],
        "AlarmDescription": params["description"],
        "ActionsEnabled": params["actions_enabled"],
        "OKActions": params["ok_actions"],
        "AlarmActions": params["alarm_actions"],
        "InsufficientDataActions": params["insufficient_data_actions"],
        "EvaluationPeriods": params["evaluation_periods"],
        "Threshold": params["threshold"],
        "ComparisonOperator": params["comparison_operator"],
        "TreatMissingData": params["treat_missing_data"],
    }
    if params["datapoints_to_alarm"] is not None:
        config["DatapointsToAlarm"] = params["datapoints_to_alarm"]
    if params["metrics"]:
        config["Metrics"] = [_query(spec) for spec in params["metrics"]]
    else:
        config.update(_single_metric(params))
    return config


def view_of(config, arn=None, tags=None):
    """The alarm as the modules show it: its canonical configuration, snake_cased, plus ARN and tags."""
    view = camel_dict_to_snake_dict(canonical_alarm(config))
    if arn:
        view["alarm_arn"] = arn
    view["tags"] = tags or {}
    return view


class AlarmPlan(namedtuple("AlarmPlan", "alarm wanted config_changed tags_to_set tags_to_remove tags")):
    """What converging one alarm takes: ``alarm`` is DescribeAlarms' answer (None: to create),
    ``wanted`` the PutMetricAlarm request, ``tags`` the tags it has afterwards."""

    __slots__ = ()

    @property
    def changed(self):
        return self.config_changed or bool(self.tags_to_set or self.tags_to_remove)


def plan_alarm(alarm, current_tags, wanted, tags, purge_tags):
    """Compare one alarm as CloudWatch holds it (``alarm``, None when missing, and its tags) with
    the wanted configuration and tags (``tags`` None: leave them alone)."""
    tags_to_set, tags_to_remove = tag_changes(current_tags, tags, purge_tags)
    config_changed = alarm is None or not alarms_equal(alarm, wanted)
    after_tags = apply_tag_changes(current_tags, tags_to_set, tags_to_remove)
    return AlarmPlan(alarm, wanted, config_changed, tags_to_set, tags_to_remove, after_tags)


def apply_plan(cw_client, plan):
    """Make the writes ``plan`` needs: a new alarm is put with its tags (one call); an existing one is
    put only when its configuration differs, and its tags changed with TagResource / UntagResource."""
    if plan.alarm is None:
        put_alarm(cw_client, plan.wanted, plan.tags)
        return
    if plan.config_changed:
        put_alarm(cw_client, plan.wanted)
    update_tags(cw_client, plan.alarm["AlarmArn"], plan.tags_to_set, plan.tags_to_remove)


# ---------------------------------------------------------------------------------------------------
# Metric alarms: the calls


def describe_alarm(cw_client, name):
    """The metric alarm called exactly ``name``, or None."""
    alarms = cw_client.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"]).get("MetricAlarms", [])
    return next((alarm for alarm in alarms if alarm["AlarmName"] == name), None)


def _batches(names):
    names = list(names)
    return [names[start : start + ALARM_NAMES_PER_CALL] for start in range(0, len(names), ALARM_NAMES_PER_CALL)]


def describe_alarms(cw_client, names):
    """``{name: DescribeAlarms' answer}`` for the metric alarms among ``names`` that exist: one call per
    100 names (and page)."""
    wanted = set(names)
    found = {}
    for batch in _batches(names):
        for alarm in paginate(
            cw_client, "describe_alarms", "MetricAlarms", AlarmNames=batch, AlarmTypes=["MetricAlarm"], MaxRecords=100
        ):
            if alarm["AlarmName"] in wanted:
                found[alarm["AlarmName"]] = alarm
    return found


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


def delete_alarms(cw_client, names):
    """One DeleteAlarms per 100 names (missing names included without error: the caller checks first)."""
    for batch in _batches(names):
        cw_client.delete_alarms(AlarmNames=batch)


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

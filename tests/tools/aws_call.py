#!/usr/bin/env python3
"""One read-only boto3 call, printed as JSON: how verify playbooks check AWS state that no
``*_info`` module shows (flow logs, prefix lists...).

    aws_call.py --endpoint-url URL --region us-east-1 ec2 describe_flow_logs '{"Filters": []}'

Only Describe/Get/List operations are allowed: a verifier reads, it never writes.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse

import boto3

READ_ONLY_PREFIXES = ("describe_", "get_", "list_", "head_")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def call(service: str, operation: str, params: dict, endpoint_url: str | None, region: str) -> dict:
    if not operation.startswith(READ_ONLY_PREFIXES):
        raise ValueError(f"{operation} is not a read-only operation ({', '.join(READ_ONLY_PREFIXES)})")
    kwargs = {"region_name": region}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
        if urllib.parse.urlsplit(endpoint_url).hostname in LOOPBACK_HOSTS:
            kwargs.update(aws_access_key_id="testing", aws_secret_access_key="testing")
    reply = getattr(boto3.client(service, **kwargs), operation)(**params)
    reply.pop("ResponseMetadata", None)
    return reply


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint-url")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("service")
    parser.add_argument("operation")
    parser.add_argument("params", nargs="?", default="{}")
    args = parser.parse_args(argv)
    try:
        reply = call(args.service, args.operation, json.loads(args.params), args.endpoint_url, args.region)
    except ValueError as exc:
        print(f"aws_call: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(reply, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

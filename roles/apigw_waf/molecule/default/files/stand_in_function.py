#!/usr/bin/env python3
"""Create the stand-in payment function (and its role) the API calls, as the lambda role would name it.

The emulator accepts CreateFunction with a small zip; it is never invoked (Invoke needs Docker).
    stand_in_function.py --endpoint-url URL --region us-east-1 FUNCTION_NAME ROLE_NAME
Prints {"changed": bool, "function_arn": ...}.
"""

import argparse
import io
import json
import zipfile

import boto3

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("function_name")
    parser.add_argument("role_name")
    args = parser.parse_args()
    session = dict(
        endpoint_url=args.endpoint_url,
        region_name=args.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    lambda_client = boto3.client("lambda", **session)
    iam = boto3.client("iam", **session)
    try:
        arn = lambda_client.get_function(FunctionName=args.function_name)["Configuration"]["FunctionArn"]
        print(json.dumps({"changed": False, "function_arn": arn}))
        return
    except lambda_client.exceptions.ResourceNotFoundException:
        pass
    try:
        role_arn = iam.get_role(RoleName=args.role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role_arn = iam.create_role(RoleName=args.role_name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "def handler(event, context):\n    return {'statusCode': 200, 'body': '{}'}\n")
    arn = lambda_client.create_function(
        FunctionName=args.function_name,
        Runtime="python3.13",
        Role=role_arn,
        Handler="handler.handler",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]
    print(json.dumps({"changed": True, "function_arn": arn}))


if __name__ == "__main__":
    main()

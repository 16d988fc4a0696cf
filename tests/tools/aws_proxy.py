#!/usr/bin/env python3
"""A recording, fault-injecting proxy for AWS API calls, on loopback in front of the emulator.

Every request is forwarded unchanged to the upstream (the emulator's URL) and its answer returned
unchanged; each call is logged as one JSON line naming its AWS service and operation. On demand a share
of the calls is answered, instead of forwarded, with a throttling error or a 500/503 server error in the
service's own wire shape, so the retry paths of botocore and of the modules are exercised.

    aws_proxy.py start --upstream URL --log calls.jsonl --state-file .proxy/p.json \\
        [--throttle-rate 0.1] [--error-rate 0.02] [--only-operations ec2,dynamodb:PutItem] \\
        [--seed 1] [--mode hash|sequence] [--latency-ms 50]          # prints the proxy's URL
    aws_proxy.py config     --state-file F [--throttle-rate 0 ...]   # change faults while it runs
    aws_proxy.py rotate-log --state-file F [--log NEW]               # start a new (empty) log
    aws_proxy.py status|url|stop --state-file F
    aws_proxy.py summary --log calls.jsonl                           # calls per service, mutating calls
    aws_proxy.py routes                                              # REST route table, from botocore

Faults are decided per call, before forwarding: a faulted call never reaches the emulator.
- ``--mode hash`` (default): the fate of the Nth call of an operation is a hash of (seed, service,
  operation, N), so a run is repeatable however parallel forks interleave (only which of two
  concurrent calls of the same operation counts as the Nth depends on timing).
- ``--mode sequence``: one random draw per request in arrival order from ``random.Random(seed)``;
  repeatable only when requests arrive in the same order, which concurrency does not guarantee.
``--only-operations`` limits faults to the listed operations (``PutItem``), services (``ec2``) or
service:operation pairs (``dynamodb:PutItem``). Changing the configuration (``config`` or
``POST /__proxy__/config``) restarts the per-operation counts and the sequence.

Control endpoints on the proxy itself, never forwarded: ``GET /__proxy__/health``,
``GET|POST /__proxy__/config`` (JSON; a POST changes only the keys it names) and
``POST /__proxy__/log`` (``{"path": NEW}``, or ``{}`` to empty the current log). A log file is
truncated when the proxy opens it.

Importable: ``running_proxy(upstream, log_path, **faults)`` (a context manager yielding the URL),
``configure(url, **changes)``, ``rotate_log(url, path)``, ``read_log(path)``, ``summarise(records)``,
``name_request(...)``, ``is_mutating(operation)``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import hashlib
import http.client
import json
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

# The daemon plumbing is the emulator tool's (same folder: on the path for the CLI and for pytest).
from emulator import _terminate
from emulator import pid_alive
from emulator import write_state

LOOPBACK = "127.0.0.1"
CONTROL_PREFIX = "/__proxy__/"
DEFAULT_START_TIMEOUT = 15.0
DEFAULT_STOP_TIMEOUT = 10.0
# A client connection idle this long is closed (keep-alive must not hold a thread forever); an upstream
# silent this long gets the call answered 504.
IDLE_TIMEOUT = 120.0
UPSTREAM_TIMEOUT = 300.0
MAX_BODY = 512 * 1024 * 1024
HOP_BY_HOP = frozenset(
    ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection"]
    + ["te", "trailer", "trailers", "transfer-encoding", "upgrade"]
)


class ProxyError(RuntimeError):
    """The proxy could not be started, stopped or configured as asked."""


# --------------------------------------------------------------------------------------------------
# Naming: which AWS service and operation a request is
# --------------------------------------------------------------------------------------------------

# Operations that change no resource, beyond those starting with Describe/Get/List/Head.
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Head", "BatchGet", "Query", "Scan", "Search", "Lookup")
READ_ONLY_PREFIXES += ("Filter", "Select", "Simulate", "Validate", "Estimate", "Preview")
READ_ONLY_OPERATIONS = frozenset(
    ["Decrypt", "Encrypt", "ReEncrypt", "GenerateRandom", "Sign", "Verify", "GenerateMac", "VerifyMac"]
    + ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair"]
    + ["GenerateDataKeyPairWithoutPlaintext", "TransactGetItems"]
)
READ_ONLY_METHODS = frozenset(["GET", "HEAD", "OPTIONS"])

# X-Amz-Target prefixes (JSON protocol) and smithy service names (RPC v2 CBOR) -> boto3 service name,
# used when a request carries no SigV4 credential scope.
TARGET_SERVICES = {
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodbstreams",
    "TrentService": "kms",
    "Logs_20140328": "logs",
    "secretsmanager": "secretsmanager",
    "AWSWAF_20190729": "wafv2",
    "AmazonSSM": "ssm",
    "ResourceGroupsTaggingAPI_20170126": "resourcegroupstaggingapi",
    "CertificateManager": "acm",
    "GraniteServiceVersion20100801": "cloudwatch",
    "AmazonSQS": "sqs",
    "AWSEvents": "events",
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "Firehose_20150804": "firehose",
    "Kinesis_20131202": "kinesis",
    "AWSStepFunctions": "stepfunctions",
    "AmazonEC2ContainerRegistry_V20150921": "ecr",
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101": "cloudtrail",
}
# Query protocol: API version -> service, for unsigned requests and to tell ELB from ELBv2.
QUERY_VERSIONS = {
    "2016-11-15": "ec2",
    "2010-05-08": "iam",
    "2014-10-31": "rds",
    "2010-03-31": "sns",
    "2011-06-15": "sts",
    "2010-08-01": "cloudwatch",
    "2015-12-01": "elbv2",
    "2012-06-01": "elb",
    "2011-01-01": "autoscaling",
    "2010-05-15": "cloudformation",
    "2012-11-05": "sqs",
}
# SigV4 signing names that differ from the boto3 service name.
SIGNING_NAMES = {"monitoring": "cloudwatch", "tagging": "resourcegroupstaggingapi", "email": "ses"}
SIGNING_NAMES |= {"states": "stepfunctions"}
REST_XML_SERVICES = frozenset(["s3", "s3control", "route53", "cloudfront"])
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
_RPC_V2_PATH = re.compile(r"^/service/([^/]+)/operation/([^/?]+)")

# The REST operations of the services this stack calls over REST, as botocore models them
# (`aws_proxy.py routes` prints this table afresh from the installed botocore). One line per operation:
# METHOD PATH[?literal query] [q:required,query,params] [h:required-headers] Operation; `{}` is one path
# segment, `{+}` the rest of the path. Where several operations share a method and path, the one
# whose requirements are all met and most numerous wins (UploadPart over PutObject). Deprecated
# operations and ListDirectoryBuckets (the same request as ListBuckets) are left out.
REST_ROUTES = """
[apigateway]
DELETE /apikeys/{} DeleteApiKey
DELETE /clientcertificates/{} DeleteClientCertificate
DELETE /domainnameaccessassociations/{} DeleteDomainNameAccessAssociation
DELETE /domainnames/{} DeleteDomainName
DELETE /domainnames/{}/basepathmappings/{} DeleteBasePathMapping
DELETE /restapis/{} DeleteRestApi
DELETE /restapis/{}/authorizers/{} DeleteAuthorizer
DELETE /restapis/{}/deployments/{} DeleteDeployment
DELETE /restapis/{}/documentation/parts/{} DeleteDocumentationPart
DELETE /restapis/{}/documentation/versions/{} DeleteDocumentationVersion
DELETE /restapis/{}/gatewayresponses/{} DeleteGatewayResponse
DELETE /restapis/{}/models/{} DeleteModel
DELETE /restapis/{}/requestvalidators/{} DeleteRequestValidator
DELETE /restapis/{}/resources/{} DeleteResource
DELETE /restapis/{}/resources/{}/methods/{} DeleteMethod
DELETE /restapis/{}/resources/{}/methods/{}/integration DeleteIntegration
DELETE /restapis/{}/resources/{}/methods/{}/integration/responses/{} DeleteIntegrationResponse
DELETE /restapis/{}/resources/{}/methods/{}/responses/{} DeleteMethodResponse
DELETE /restapis/{}/stages/{} DeleteStage
DELETE /restapis/{}/stages/{}/cache/authorizers FlushStageAuthorizersCache
DELETE /restapis/{}/stages/{}/cache/data FlushStageCache
DELETE /tags/{} UntagResource
DELETE /usageplans/{} DeleteUsagePlan
DELETE /usageplans/{}/keys/{} DeleteUsagePlanKey
DELETE /vpclinks/{} DeleteVpcLink
GET /account GetAccount
GET /apikeys GetApiKeys
GET /apikeys/{} GetApiKey
GET /clientcertificates GetClientCertificates
GET /clientcertificates/{} GetClientCertificate
GET /domainnameaccessassociations GetDomainNameAccessAssociations
GET /domainnames GetDomainNames
GET /domainnames/{} GetDomainName
GET /domainnames/{}/basepathmappings GetBasePathMappings
GET /domainnames/{}/basepathmappings/{} GetBasePathMapping
GET /restapis GetRestApis
GET /restapis/{} GetRestApi
GET /restapis/{}/authorizers GetAuthorizers
GET /restapis/{}/authorizers/{} GetAuthorizer
GET /restapis/{}/deployments GetDeployments
GET /restapis/{}/deployments/{} GetDeployment
GET /restapis/{}/documentation/parts GetDocumentationParts
GET /restapis/{}/documentation/parts/{} GetDocumentationPart
GET /restapis/{}/documentation/versions GetDocumentationVersions
GET /restapis/{}/documentation/versions/{} GetDocumentationVersion
GET /restapis/{}/gatewayresponses GetGatewayResponses
GET /restapis/{}/gatewayresponses/{} GetGatewayResponse
GET /restapis/{}/models GetModels
GET /restapis/{}/models/{} GetModel
GET /restapis/{}/models/{}/default_template GetModelTemplate
GET /restapis/{}/requestvalidators GetRequestValidators
GET /restapis/{}/requestvalidators/{} GetRequestValidator
GET /restapis/{}/resources GetResources
GET /restapis/{}/resources/{} GetResource
GET /restapis/{}/resources/{}/methods/{} GetMethod
GET /restapis/{}/resources/{}/methods/{}/integration GetIntegration
GET /restapis/{}/resources/{}/methods/{}/integration/responses/{} GetIntegrationResponse
GET /restapis/{}/resources/{}/methods/{}/responses/{} GetMethodResponse
GET /restapis/{}/stages GetStages
GET /restapis/{}/stages/{} GetStage
GET /restapis/{}/stages/{}/exports/{} GetExport
GET /restapis/{}/stages/{}/sdks/{} GetSdk
GET /sdktypes GetSdkTypes
GET /sdktypes/{} GetSdkType
GET /tags/{} GetTags
GET /usageplans GetUsagePlans
GET /usageplans/{} GetUsagePlan
GET /usageplans/{}/keys GetUsagePlanKeys
GET /usageplans/{}/keys/{} GetUsagePlanKey
GET /usageplans/{}/usage GetUsage
GET /vpclinks GetVpcLinks
GET /vpclinks/{} GetVpcLink
PATCH /account UpdateAccount
PATCH /apikeys/{} UpdateApiKey
PATCH /clientcertificates/{} UpdateClientCertificate
PATCH /domainnames/{} UpdateDomainName
PATCH /domainnames/{}/basepathmappings/{} UpdateBasePathMapping
PATCH /restapis/{} UpdateRestApi
PATCH /restapis/{}/authorizers/{} UpdateAuthorizer
PATCH /restapis/{}/deployments/{} UpdateDeployment
PATCH /restapis/{}/documentation/parts/{} UpdateDocumentationPart
PATCH /restapis/{}/documentation/versions/{} UpdateDocumentationVersion
PATCH /restapis/{}/gatewayresponses/{} UpdateGatewayResponse
PATCH /restapis/{}/models/{} UpdateModel
PATCH /restapis/{}/requestvalidators/{} UpdateRequestValidator
PATCH /restapis/{}/resources/{} UpdateResource
PATCH /restapis/{}/resources/{}/methods/{} UpdateMethod
PATCH /restapis/{}/resources/{}/methods/{}/integration UpdateIntegration
PATCH /restapis/{}/resources/{}/methods/{}/integration/responses/{} UpdateIntegrationResponse
PATCH /restapis/{}/resources/{}/methods/{}/responses/{} UpdateMethodResponse
PATCH /restapis/{}/stages/{} UpdateStage
PATCH /usageplans/{} UpdateUsagePlan
PATCH /usageplans/{}/keys/{}/usage UpdateUsage
PATCH /vpclinks/{} UpdateVpcLink
POST /apikeys CreateApiKey
POST /apikeys?mode=import ImportApiKeys
POST /clientcertificates GenerateClientCertificate
POST /domainnameaccessassociations CreateDomainNameAccessAssociation
POST /domainnames CreateDomainName
POST /domainnames/{}/basepathmappings CreateBasePathMapping
POST /rejectdomainnameaccessassociations RejectDomainNameAccessAssociation
POST /restapis CreateRestApi
POST /restapis/{}/authorizers CreateAuthorizer
POST /restapis/{}/authorizers/{} TestInvokeAuthorizer
POST /restapis/{}/deployments CreateDeployment
POST /restapis/{}/documentation/parts CreateDocumentationPart
POST /restapis/{}/documentation/versions CreateDocumentationVersion
POST /restapis/{}/models CreateModel
POST /restapis/{}/requestvalidators CreateRequestValidator
POST /restapis/{}/resources/{} CreateResource
POST /restapis/{}/resources/{}/methods/{} TestInvokeMethod
POST /restapis/{}/stages CreateStage
POST /restapis?mode=import ImportRestApi
POST /usageplans CreateUsagePlan
POST /usageplans/{}/keys CreateUsagePlanKey
POST /vpclinks CreateVpcLink
PUT /restapis/{} PutRestApi
PUT /restapis/{}/documentation/parts ImportDocumentationParts
PUT /restapis/{}/gatewayresponses/{} PutGatewayResponse
PUT /restapis/{}/resources/{}/methods/{} PutMethod
PUT /restapis/{}/resources/{}/methods/{}/integration PutIntegration
PUT /restapis/{}/resources/{}/methods/{}/integration/responses/{} PutIntegrationResponse
PUT /restapis/{}/resources/{}/methods/{}/responses/{} PutMethodResponse
PUT /tags/{} TagResource
[lambda]
DELETE /2015-03-31/event-source-mappings/{} DeleteEventSourceMapping
DELETE /2015-03-31/functions/{} DeleteFunction
DELETE /2015-03-31/functions/{}/aliases/{} DeleteAlias
DELETE /2015-03-31/functions/{}/policy/{} RemovePermission
DELETE /2017-03-31/tags/{} UntagResource
DELETE /2017-10-31/functions/{}/concurrency DeleteFunctionConcurrency
DELETE /2018-10-31/layers/{}/versions/{} DeleteLayerVersion
DELETE /2018-10-31/layers/{}/versions/{}/policy/{} RemoveLayerVersionPermission
DELETE /2019-09-25/functions/{}/event-invoke-config DeleteFunctionEventInvokeConfig
DELETE /2019-09-30/functions/{}/provisioned-concurrency DeleteProvisionedConcurrencyConfig
DELETE /2020-04-22/code-signing-configs/{} DeleteCodeSigningConfig
DELETE /2020-06-30/functions/{}/code-signing-config DeleteFunctionCodeSigningConfig
DELETE /2021-10-31/functions/{}/url DeleteFunctionUrlConfig
DELETE /2025-11-30/capacity-providers/{} DeleteCapacityProvider
DELETE /2025-12-01/durable-executions/{} DeleteDurableExecution
DELETE /2026-07-09/resource-policy/{} DeleteResourcePolicy
GET /2015-03-31/event-source-mappings ListEventSourceMappings
GET /2015-03-31/event-source-mappings/{} GetEventSourceMapping
GET /2015-03-31/functions ListFunctions
GET /2015-03-31/functions/{} GetFunction
GET /2015-03-31/functions/{}/aliases ListAliases
GET /2015-03-31/functions/{}/aliases/{} GetAlias
GET /2015-03-31/functions/{}/configuration GetFunctionConfiguration
GET /2015-03-31/functions/{}/policy GetPolicy
GET /2015-03-31/functions/{}/versions ListVersionsByFunction
GET /2016-08-19/account-settings GetAccountSettings
GET /2017-03-31/tags/{} ListTags
GET /2018-10-31/layers ListLayers
GET /2018-10-31/layers/{}/versions ListLayerVersions
GET /2018-10-31/layers/{}/versions/{} GetLayerVersion
GET /2018-10-31/layers/{}/versions/{}/policy GetLayerVersionPolicy
GET /2018-10-31/layers?find=LayerVersion GetLayerVersionByArn
GET /2019-09-25/functions/{}/event-invoke-config GetFunctionEventInvokeConfig
GET /2019-09-25/functions/{}/event-invoke-config/list ListFunctionEventInvokeConfigs
GET /2019-09-30/functions/{}/concurrency GetFunctionConcurrency
GET /2019-09-30/functions/{}/provisioned-concurrency GetProvisionedConcurrencyConfig
GET /2019-09-30/functions/{}/provisioned-concurrency?List=ALL ListProvisionedConcurrencyConfigs
GET /2020-04-22/code-signing-configs ListCodeSigningConfigs
GET /2020-04-22/code-signing-configs/{} GetCodeSigningConfig
GET /2020-04-22/code-signing-configs/{}/functions ListFunctionsByCodeSigningConfig
GET /2020-06-30/functions/{}/code-signing-config GetFunctionCodeSigningConfig
GET /2021-07-20/functions/{}/runtime-management-config GetRuntimeManagementConfig
GET /2021-10-31/functions/{}/url GetFunctionUrlConfig
GET /2021-10-31/functions/{}/urls ListFunctionUrlConfigs
GET /2024-08-31/functions/{}/recursion-config GetFunctionRecursionConfig
GET /2025-11-30/capacity-providers ListCapacityProviders
GET /2025-11-30/capacity-providers/{} GetCapacityProvider
GET /2025-11-30/capacity-providers/{}/function-versions ListFunctionVersionsByCapacityProvider
GET /2025-11-30/functions/{}/function-scaling-config GetFunctionScalingConfig
GET /2025-12-01/durable-executions/{} GetDurableExecution
GET /2025-12-01/durable-executions/{}/history GetDurableExecutionHistory
GET /2025-12-01/durable-executions/{}/state GetDurableExecutionState
GET /2025-12-01/functions/{}/durable-executions ListDurableExecutionsByFunction
GET /2026-07-09/resource-policy/{} GetResourcePolicy
POST /2015-03-31/event-source-mappings CreateEventSourceMapping
POST /2015-03-31/functions CreateFunction
POST /2015-03-31/functions/{}/aliases CreateAlias
POST /2015-03-31/functions/{}/invocations Invoke
POST /2015-03-31/functions/{}/policy AddPermission
POST /2015-03-31/functions/{}/versions PublishVersion
POST /2017-03-31/tags/{} TagResource
POST /2018-10-31/layers/{}/versions PublishLayerVersion
POST /2018-10-31/layers/{}/versions/{}/policy AddLayerVersionPermission
POST /2019-09-25/functions/{}/event-invoke-config UpdateFunctionEventInvokeConfig
POST /2020-04-22/code-signing-configs CreateCodeSigningConfig
POST /2021-10-31/functions/{}/url CreateFunctionUrlConfig
POST /2021-11-15/functions/{}/response-streaming-invocations InvokeWithResponseStream
POST /2025-11-30/capacity-providers CreateCapacityProvider
POST /2025-12-01/durable-execution-callbacks/{}/fail SendDurableExecutionCallbackFailure
POST /2025-12-01/durable-execution-callbacks/{}/heartbeat SendDurableExecutionCallbackHeartbeat
POST /2025-12-01/durable-execution-callbacks/{}/succeed SendDurableExecutionCallbackSuccess
POST /2025-12-01/durable-executions/{}/checkpoint CheckpointDurableExecution
POST /2025-12-01/durable-executions/{}/pause PauseDurableExecution
POST /2025-12-01/durable-executions/{}/resume ResumeDurableExecution
POST /2025-12-01/durable-executions/{}/stop StopDurableExecution
PUT /2015-03-31/event-source-mappings/{} UpdateEventSourceMapping
PUT /2015-03-31/functions/{}/aliases/{} UpdateAlias
PUT /2015-03-31/functions/{}/code UpdateFunctionCode
PUT /2015-03-31/functions/{}/configuration UpdateFunctionConfiguration
PUT /2017-10-31/functions/{}/concurrency PutFunctionConcurrency
PUT /2019-09-25/functions/{}/event-invoke-config PutFunctionEventInvokeConfig
PUT /2019-09-30/functions/{}/provisioned-concurrency PutProvisionedConcurrencyConfig
PUT /2020-04-22/code-signing-configs/{} UpdateCodeSigningConfig
PUT /2020-06-30/functions/{}/code-signing-config PutFunctionCodeSigningConfig
PUT /2021-07-20/functions/{}/runtime-management-config PutRuntimeManagementConfig
PUT /2021-10-31/functions/{}/url UpdateFunctionUrlConfig
PUT /2024-08-31/functions/{}/recursion-config PutFunctionRecursionConfig
PUT /2025-11-30/capacity-providers/{} UpdateCapacityProvider
PUT /2025-11-30/functions/{}/function-scaling-config PutFunctionScalingConfig
PUT /2026-07-09/resource-policy/{} PutResourcePolicy
[s3]
DELETE /{} DeleteBucket
DELETE /{}/{+} q:uploadId AbortMultipartUpload
DELETE /{}/{+} DeleteObject
DELETE /{}/{+}?annotation DeleteObjectAnnotation
DELETE /{}/{+}?tagging DeleteObjectTagging
DELETE /{}?analytics DeleteBucketAnalyticsConfiguration
DELETE /{}?cors DeleteBucketCors
DELETE /{}?encryption DeleteBucketEncryption
DELETE /{}?intelligent-tiering DeleteBucketIntelligentTieringConfiguration
DELETE /{}?inventory DeleteBucketInventoryConfiguration
DELETE /{}?lifecycle DeleteBucketLifecycle
DELETE /{}?metadataConfiguration DeleteBucketMetadataConfiguration
DELETE /{}?metadataTable DeleteBucketMetadataTableConfiguration
DELETE /{}?metrics DeleteBucketMetricsConfiguration
DELETE /{}?ownershipControls DeleteBucketOwnershipControls
DELETE /{}?policy DeleteBucketPolicy
DELETE /{}?publicAccessBlock DeletePublicAccessBlock
DELETE /{}?replication DeleteBucketReplication
DELETE /{}?tagging DeleteBucketTagging
DELETE /{}?website DeleteBucketWebsite
GET / ListBuckets
GET /{} ListObjects
GET /{}/{+} GetObject
GET /{}/{+} q:uploadId ListParts
GET /{}/{+}?acl GetObjectAcl
GET /{}/{+}?annotation q:annotationName GetObjectAnnotation
GET /{}/{+}?annotation ListObjectAnnotations
GET /{}/{+}?attributes GetObjectAttributes
GET /{}/{+}?legal-hold GetObjectLegalHold
GET /{}/{+}?retention GetObjectRetention
GET /{}/{+}?tagging GetObjectTagging
GET /{}/{+}?torrent GetObjectTorrent
GET /{}?abac GetBucketAbac
GET /{}?accelerate GetBucketAccelerateConfiguration
GET /{}?acl GetBucketAcl
GET /{}?analytics q:id GetBucketAnalyticsConfiguration
GET /{}?analytics ListBucketAnalyticsConfigurations
GET /{}?cors GetBucketCors
GET /{}?encryption GetBucketEncryption
GET /{}?intelligent-tiering q:id GetBucketIntelligentTieringConfiguration
GET /{}?intelligent-tiering ListBucketIntelligentTieringConfigurations
GET /{}?inventory q:id GetBucketInventoryConfiguration
GET /{}?inventory ListBucketInventoryConfigurations
GET /{}?lifecycle GetBucketLifecycleConfiguration
GET /{}?list-type=2 ListObjectsV2
GET /{}?location GetBucketLocation
GET /{}?logging GetBucketLogging
GET /{}?metadataConfiguration GetBucketMetadataConfiguration
GET /{}?metadataTable GetBucketMetadataTableConfiguration
GET /{}?metrics q:id GetBucketMetricsConfiguration
GET /{}?metrics ListBucketMetricsConfigurations
GET /{}?notification GetBucketNotificationConfiguration
GET /{}?object-lock GetObjectLockConfiguration
GET /{}?ownershipControls GetBucketOwnershipControls
GET /{}?policy GetBucketPolicy
GET /{}?policyStatus GetBucketPolicyStatus
GET /{}?publicAccessBlock GetPublicAccessBlock
GET /{}?replication GetBucketReplication
GET /{}?requestPayment GetBucketRequestPayment
GET /{}?session CreateSession
GET /{}?tagging GetBucketTagging
GET /{}?uploads ListMultipartUploads
GET /{}?versioning GetBucketVersioning
GET /{}?versions ListObjectVersions
GET /{}?website GetBucketWebsite
HEAD /{} HeadBucket
HEAD /{}/{+} HeadObject
POST /WriteGetObjectResponse WriteGetObjectResponse
POST /{}/{+} CompleteMultipartUpload
POST /{}/{+}?restore RestoreObject
POST /{}/{+}?select&select-type=2 SelectObjectContent
POST /{}/{+}?uploads CreateMultipartUpload
POST /{}?delete DeleteObjects
POST /{}?metadataConfiguration CreateBucketMetadataConfiguration
POST /{}?metadataTable CreateBucketMetadataTableConfiguration
PUT /{} CreateBucket
PUT /{}/{+} h:x-amz-copy-source CopyObject
PUT /{}/{+} PutObject
PUT /{}/{+} q:partNumber,uploadId UploadPart
PUT /{}/{+} q:partNumber,uploadId h:x-amz-copy-source UploadPartCopy
PUT /{}/{+}?acl PutObjectAcl
PUT /{}/{+}?annotation PutObjectAnnotation
PUT /{}/{+}?encryption UpdateObjectEncryption
PUT /{}/{+}?legal-hold PutObjectLegalHold
PUT /{}/{+}?renameObject RenameObject
PUT /{}/{+}?retention PutObjectRetention
PUT /{}/{+}?tagging PutObjectTagging
PUT /{}?abac PutBucketAbac
PUT /{}?accelerate PutBucketAccelerateConfiguration
PUT /{}?acl PutBucketAcl
PUT /{}?analytics PutBucketAnalyticsConfiguration
PUT /{}?cors PutBucketCors
PUT /{}?encryption PutBucketEncryption
PUT /{}?intelligent-tiering PutBucketIntelligentTieringConfiguration
PUT /{}?inventory PutBucketInventoryConfiguration
PUT /{}?lifecycle PutBucketLifecycleConfiguration
PUT /{}?logging PutBucketLogging
PUT /{}?metadataAnnotationTable UpdateBucketMetadataAnnotationTableConfiguration
PUT /{}?metadataInventoryTable UpdateBucketMetadataInventoryTableConfiguration
PUT /{}?metadataJournalTable UpdateBucketMetadataJournalTableConfiguration
PUT /{}?metrics PutBucketMetricsConfiguration
PUT /{}?notification PutBucketNotificationConfiguration
PUT /{}?object-lock PutObjectLockConfiguration
PUT /{}?ownershipControls PutBucketOwnershipControls
PUT /{}?policy PutBucketPolicy
PUT /{}?publicAccessBlock PutPublicAccessBlock
PUT /{}?replication PutBucketReplication
PUT /{}?requestPayment PutBucketRequestPayment
PUT /{}?tagging PutBucketTagging
PUT /{}?versioning PutBucketVersioning
PUT /{}?website PutBucketWebsite
"""


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    segments: tuple[str, ...]
    query: tuple[tuple[str, str | None], ...]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    operation: str

    @property
    def score(self) -> tuple[int, int]:
        literal = sum(1 for segment in self.segments if not segment.startswith("{"))
        return literal, len(self.query) + len(self.required_query) + len(self.required_headers)


def _path_segments(path: str) -> list[str]:
    segments = path.split("/")[1:]
    while segments and segments[-1] == "":
        segments.pop()
    return segments


def parse_routes(text: str) -> dict[str, list[Route]]:
    routes: dict[str, list[Route]] = {}
    service = ""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("["):
            service = line.strip("[]")
            continue
        method, uri, *requirements, operation = line.split()
        path, _, literal = uri.partition("?")
        query = tuple((key, value or None) for key, _, value in (part.partition("=") for part in literal.split("&")))
        required = {"q": (), "h": ()}
        for requirement in requirements:
            kind, _, names = requirement.partition(":")
            required[kind] = tuple(names.split(","))
        routes.setdefault(service, []).append(
            Route(
                method=method,
                segments=tuple(_path_segments(path)),
                query=tuple(item for item in query if item[0]),
                required_query=required["q"],
                required_headers=required["h"],
                operation=operation,
            )
        )
    return routes


ROUTES = parse_routes(REST_ROUTES)


def _segments_match(pattern: tuple[str, ...], segments: list[str]) -> bool:
    for index, part in enumerate(pattern):
        if part == "{+}":
            return len(segments) > index
        if index >= len(segments) or not segments[index]:
            return False
        if part != "{}" and part != segments[index]:
            return False
    return len(segments) == len(pattern)


def match_route(service: str, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]):
    """The operation a REST request is, or None when no route of ``service`` fits."""
    segments = _path_segments(path)
    best = None
    for route in ROUTES.get(service, ()):
        if route.method != method or not _segments_match(route.segments, segments):
            continue
        if any(key not in query or (value is not None and value not in query[key]) for key, value in route.query):
            continue
        if any(key not in query for key in route.required_query):
            continue
        if any(header not in headers for header in route.required_headers):
            continue
        if best is None or route.score > best.score:
            best = route
    return best.operation if best else None


def generate_routes(services=("apigateway", "lambda", "s3")) -> str:
    """The REST_ROUTES table from the installed botocore's service models (a maintenance aid)."""
    # Only here: the proxy itself needs nothing beyond the standard library.
    import botocore.loaders
    import botocore.model

    # A loader of its own: clients edit the models they load (S3 drops {Bucket} from request URIs).
    loader = botocore.loaders.Loader()
    lines = []
    for service in services:
        model = botocore.model.ServiceModel(loader.load_service_model(service, "service-2"), service)
        groups: dict[tuple[str, str], list[tuple[str, list[str], list[str]]]] = {}
        for name in model.operation_names:
            operation = model.operation_model(name)
            if operation.deprecated or name == "ListDirectoryBuckets":
                continue
            required_query, required_headers = [], []
            shape = operation.input_shape
            for member in shape.required_members if shape is not None else ():
                serialization = shape.members[member].serialization
                if serialization.get("location") == "querystring":
                    required_query.append(serialization.get("name", member))
                elif serialization.get("location") == "header":
                    required_headers.append(serialization.get("name", member).lower())
            key = (operation.http["method"], operation.http["requestUri"])
            groups.setdefault(key, []).append((name, required_query, required_headers))
        lines.append(f"[{service}]")
        for (method, uri), operations in sorted(groups.items()):
            uri = re.sub(r"\{[^}]+\+\}", "{+}", re.sub(r"\{[^}+]+\}", "{}", uri))
            for name, required_query, required_headers in operations:
                requirements = ""
                if len(operations) > 1 and required_query:
                    requirements += " q:" + ",".join(sorted(required_query))
                if len(operations) > 1 and required_headers:
                    requirements += " h:" + ",".join(sorted(required_headers))
                lines.append(f"{method} {uri}{requirements} {name}")
    return "\n".join(lines) + "\n"


@dataclasses.dataclass(frozen=True)
class RequestName:
    service: str
    operation: str
    protocol: str  # json, rpc-v2-cbor, query, ec2, rest-json, rest-xml, unknown
    query_compatible: bool = False  # JSON/CBOR request of a former query service (x-amzn-query-mode)

    @property
    def mutating(self) -> bool:
        return is_mutating(self.operation)


def is_mutating(operation: str) -> bool:
    """False for operations that only read (Describe*, Get*, List*, Head*, BatchGetItem, Query, Scan,
    KMS crypto calls...); for unnamed REST calls (``GET /path``), by the HTTP method."""
    method, space, _ = operation.partition(" ")
    if space:
        return method not in READ_ONLY_METHODS
    return not (operation.startswith(READ_ONLY_PREFIXES) or operation in READ_ONLY_OPERATIONS)


def _lower_headers(headers) -> dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else headers
    return {str(key).lower(): str(value) for key, value in items}


def signing_service(headers: dict[str, str], query: dict[str, list[str]]) -> str | None:
    """The service of the SigV4 credential scope (``Credential=AKID/date/region/<service>/aws4_request``)."""
    found = _CREDENTIAL.search(headers.get("authorization", ""))
    credential = found.group(1) if found else (query.get("X-Amz-Credential") or [""])[0]
    parts = credential.split("/")
    if len(parts) >= 4 and parts[-1] == "aws4_request":
        return parts[-2]
    return None


def _boto3_service(signing: str | None, version: str | None = None) -> str | None:
    if signing == "elasticloadbalancing":
        return "elb" if version == "2012-06-01" else "elbv2"
    return SIGNING_NAMES.get(signing, signing) if signing else None


def _guess_rest_service(path: str) -> str:
    first = (_path_segments(path) or [""])[0]
    if first in {"restapis", "account", "apikeys", "domainnames", "usageplans", "clientcertificates", "vpclinks"}:
        return "apigateway"
    if re.fullmatch(r"20\d\d-\d\d-\d\d", first):
        return "lambda"
    return "unknown"


def name_request(method: str, raw_path: str, headers, body: bytes = b"") -> RequestName:
    """Name a request: service from the SigV4 credential scope (else the target prefix, API version or
    path), operation from ``X-Amz-Target``, the RPC v2 path, the ``Action`` parameter or the REST route."""
    headers = _lower_headers(headers)
    split = urllib.parse.urlsplit(raw_path)
    path = split.path or "/"
    query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
    signed = signing_service(headers, query)
    query_mode = headers.get("x-amzn-query-mode", "").lower() == "true"

    target = headers.get("x-amz-target")
    if target:
        prefix, _, operation = target.rpartition(".")
        service = _boto3_service(signed) or TARGET_SERVICES.get(prefix) or (prefix.lower() or "unknown")
        return RequestName(service, operation or target, "json", query_mode)

    rpc = _RPC_V2_PATH.match(path)
    if rpc and "smithy-protocol" in headers:
        service = _boto3_service(signed) or TARGET_SERVICES.get(rpc.group(1)) or rpc.group(1).lower()
        return RequestName(service, urllib.parse.unquote(rpc.group(2)), "rpc-v2-cbor", query_mode)

    params = query
    if "Action" not in params and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    if "Action" in params:
        version = (params.get("Version") or [None])[0]
        service = _boto3_service(signed, version) or QUERY_VERSIONS.get(version, "unknown")
        return RequestName(service, params["Action"][0], "ec2" if service == "ec2" else "query")

    service = _boto3_service(signed) or _guess_rest_service(path)
    protocol = "rest-xml" if service in REST_XML_SERVICES else "rest-json"
    operation = match_route(service, method, path, query, headers)
    return RequestName(service, operation or f"{method} {path}", protocol)


# --------------------------------------------------------------------------------------------------
# Faults: which calls fail, and how each protocol says so
# --------------------------------------------------------------------------------------------------

THROTTLE = "throttle"
SERVER_ERROR = "server_error"
FAULT_MODES = ("hash", "sequence")
# DynamoDB's item calls are throttled with ProvisionedThroughputExceededException; its table calls
# (DescribeTable...) with ThrottlingException.
DYNAMODB_ITEM_OPERATIONS = frozenset(
    ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem"]
    + ["TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"]
)


@dataclasses.dataclass(frozen=True)
class Faults:
    """What to inject. Rates are shares of the calls the faults apply to (``only``: None = all)."""

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    only: frozenset[str] | None = None
    seed: int = 0
    mode: str = "hash"
    latency_ms: float = 0.0

    def __post_init__(self):
        for rate in (self.throttle_rate, self.error_rate):
            if not 0.0 <= float(rate) <= 1.0:
                raise ValueError(f"rates must lie between 0 and 1, got {rate}")
        if self.throttle_rate + self.error_rate > 1.0:
            raise ValueError("throttle_rate + error_rate must not exceed 1")
        if self.mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {', '.join(FAULT_MODES)}, got {self.mode!r}")
        if float(self.latency_ms) < 0:
            raise ValueError("latency_ms must not be negative")
        if self.only is not None and not isinstance(self.only, frozenset):
            only = self.only.split(",") if isinstance(self.only, str) else self.only
            object.__setattr__(self, "only", frozenset(item.strip() for item in only if item.strip()))

    @classmethod
    def from_dict(cls, settings: dict, base: Faults | None = None) -> Faults:
        settings = dict(settings)
        if "only_operations" in settings:
            settings["only"] = settings.pop("only_operations")
        unknown = set(settings) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        for key in ("throttle_rate", "error_rate", "latency_ms"):
            if key in settings:
                settings[key] = float(settings[key])
        if "seed" in settings:
            settings["seed"] = int(settings["seed"])
        return dataclasses.replace(base or cls(), **settings)

    def to_dict(self) -> dict:
        settings = dataclasses.asdict(self)
        settings["only"] = sorted(self.only) if self.only is not None else None
        return settings

    def applies_to(self, name: RequestName) -> bool:
        if self.only is None:
            return True
        return bool({name.operation, name.service, f"{name.service}:{name.operation}"} & self.only)


def _unit_interval(seed: int, service: str, operation: str, call: int) -> tuple[float, float]:
    digest = hashlib.sha256(f"{seed}\0{service}\0{operation}\0{call}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64, int.from_bytes(digest[8:16], "big") / 2**64


class FaultDecider:
    """Decides each call's fate: None, THROTTLE or SERVER_ERROR (500 or 503), repeatably."""

    def __init__(self, faults: Faults):
        self.faults = faults
        self._lock = threading.Lock()
        self._calls: Counter = Counter()
        self._random = random.Random(faults.seed)

    def decide(self, name: RequestName) -> tuple[str | None, int, int]:
        """(fate, N: this call's number among the calls of its operation, status for a server error)."""
        faults = self.faults
        with self._lock:
            self._calls[(name.service, name.operation)] += 1
            call = self._calls[(name.service, name.operation)]
            if faults.mode == "sequence":
                draw, variant = self._random.random(), self._random.random()
        if faults.mode == "hash":
            draw, variant = _unit_interval(faults.seed, name.service, name.operation, call)
        status = 500 if variant < 0.5 else 503
        if not faults.applies_to(name):
            return None, call, status
        if draw < faults.throttle_rate:
            return THROTTLE, call, status
        if draw < faults.throttle_rate + faults.error_rate:
            return SERVER_ERROR, call, status
        return None, call, status


def _cbor_text_map(document: dict[str, str]) -> bytes:
    """A CBOR map of text strings: all an RPC v2 CBOR error body needs."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    out = bytearray(head(5, len(document)))
    for key, value in document.items():
        for text in (key, value):
            data = text.encode()
            out += head(3, len(data)) + data
    return bytes(out)


def fault_error(name: RequestName, fate: str, server_status: int = 500) -> tuple[int, str, str, str]:
    """(HTTP status, error code, message, Sender|Receiver) of a fault, as this service would answer."""
    service, protocol = name.service, name.protocol
    if fate == THROTTLE:
        if protocol == "ec2":
            # EC2 throttles with 503 (botocore's _retry.json retries RequestLimitExceeded only at 503).
            return 503, "RequestLimitExceeded", "Request limit exceeded.", "Sender"
        if service == "s3":
            return 503, "SlowDown", "Please reduce your request rate.", "Sender"
        if protocol in ("query", "rest-xml") or name.query_compatible:
            return 400, "Throttling", "Rate exceeded", "Sender"
        if protocol == "rest-json":
            return 429, "TooManyRequestsException", "Too Many Requests", "Sender"
        if service == "dynamodb" and name.operation in DYNAMODB_ITEM_OPERATIONS:
            message = "The level of configured provisioned throughput for the table was exceeded."
            return 400, "ProvisionedThroughputExceededException", message, "Sender"
        return 400, "ThrottlingException", "Rate exceeded", "Sender"
    if server_status == 503:
        code = {"ec2": "Unavailable"}.get(protocol, "ServiceUnavailable")
        if service == "apigateway":
            code = "ServiceUnavailableException"
        return 503, code, "Service is unavailable. Please try again.", "Receiver"
    code = {"ec2": "InternalError"}.get(protocol, "InternalFailure")
    code = {"s3": "InternalError", "dynamodb": "InternalServerError", "lambda": "ServiceException"}.get(service, code)
    return 500, code, "We encountered an internal error. Please try again.", "Receiver"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fault_response(
    name: RequestName, fate: str, server_status: int = 500, request_headers=None
) -> tuple[int, list[tuple[str, str]], bytes, str]:
    """(status, headers, body, error code): the whole error answer in the service's wire shape."""
    status, code, message, party = fault_error(name, fate, server_status)
    request_id = str(uuid.uuid4())
    request_headers = _lower_headers(request_headers or {})
    headers = [("x-amzn-RequestId", request_id)]
    protocol = name.protocol
    if protocol in ("json", "rpc-v2-cbor"):
        # A former query service (CloudWatch) says the query protocol's code in x-amzn-query-error.
        document_code = code
        if name.query_compatible:
            document_code = {"Throttling": "ThrottlingException"}.get(code, code)
            headers.append(("x-amzn-query-error", f"{code};{party}"))
        elif name.service == "dynamodb":
            document_code = f"com.amazonaws.dynamodb.v20120810#{code}"
        document = {"__type": document_code, "message": message}
        if protocol == "json":
            content_type = request_headers.get("content-type", "")
            if not content_type.startswith("application/x-amz-json"):
                content_type = "application/x-amz-json-1.1"
            headers.append(("Content-Type", content_type))
            body = json.dumps(document).encode()
        else:
            headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
            body = _cbor_text_map(document)
    elif protocol == "ec2":
        headers = [("Content-Type", "text/xml;charset=UTF-8")]
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{_xml_escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
    elif name.service == "s3":
        host_id = hashlib.sha256(request_id.encode()).hexdigest()
        headers = [("x-amz-request-id", request_id), ("x-amz-id-2", host_id), ("Content-Type", "application/xml")]
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{_xml_escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
        ).encode()
    elif protocol in ("query", "rest-xml"):
        headers.append(("Content-Type", "text/xml"))
        body = (
            f'<ErrorResponse xmlns="https://{name.service}.amazonaws.com/doc/"><Error>'
            f"<Type>{party}</Type><Code>{code}</Code><Message>{_xml_escape(message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
    else:  # rest-json (API Gateway, Lambda...) and anything unnamed: the code travels in x-amzn-ErrorType
        document = {"message": message}
        if name.service == "lambda":
            document["Type"] = "User" if party == "Sender" else "Service"
        headers += [("x-amzn-ErrorType", code), ("Content-Type", "application/json")]
        body = json.dumps(document).encode()
    return status, headers, body, code


# --------------------------------------------------------------------------------------------------
# The proxy server
# --------------------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _nodelay(sock: socket.socket) -> None:
    # Without it delayed ACKs add tens of milliseconds to every small request/answer exchange.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True
    proxy: AwsProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    timeout = IDLE_TIMEOUT
    server: _Server

    def setup(self):
        super().setup()
        _nodelay(self.connection)

    def log_message(self, format, *args):
        pass  # the JSON log is the record; stderr stays quiet

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError(f"request body of {length} bytes is larger than {MAX_BODY}")
        return self.rfile.read(length) if length else b""

    def _handle(self):
        started = time.monotonic()
        proxy = self.server.proxy
        try:
            body = self._read_body()
        except ValueError as exc:
            self.close_connection = True
            self._reply(413, "Payload Too Large", [("Content-Type", "text/plain")], str(exc).encode())
            return
        if self.path.startswith(CONTROL_PREFIX):
            self._control(body)
            return
        name = name_request(self.command, self.path, self.headers.items(), body)
        decider = proxy.decider  # configure() may swap it meanwhile: one decider per call
        fate, call, server_status = decider.decide(name)
        latency = decider.faults.latency_ms
        if latency:
            time.sleep(latency / 1000.0)
        record = {"ts": _now(), "service": name.service, "operation": name.operation, "protocol": name.protocol}
        record |= {"method": self.command, "path": urllib.parse.urlsplit(self.path).path}
        if fate:
            status, headers, payload, code = fault_response(name, fate, server_status, self.headers.items())
            reason = http.client.responses.get(status, "")
            record |= {"fault": code, "fault_kind": fate}
        else:
            try:
                status, reason, headers, payload = proxy.forward(self.command, self.path, self.headers.items(), body)
                record |= {"fault": None}
            except (OSError, http.client.HTTPException) as exc:
                status = 504 if isinstance(exc, TimeoutError) else 502
                reason, payload = http.client.responses[status], json.dumps({"message": str(exc)}).encode()
                headers = [("Content-Type", "application/json")]
                record |= {"fault": None, "upstream_error": f"{type(exc).__name__}: {exc}"}
        # Logged before the answer leaves: once a client has its answer, the call is in the log.
        duration = round((time.monotonic() - started) * 1000.0, 2)
        record |= {"status": status, "duration_ms": duration, "mutating": name.mutating, "call": call}
        proxy.record(record)
        self._reply(status, reason, headers, payload)

    def _reply(self, status, reason, headers, payload: bytes) -> None:
        bodyless = self.command == "HEAD" or status in (204, 304) or status < 200
        self.send_response_only(status, reason)
        for key, value in headers:
            lowered = key.lower()
            if lowered in HOP_BY_HOP or (lowered == "content-length" and not bodyless):
                continue
            self.send_header(key, value)
        if not bodyless:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and not bodyless:
            self.wfile.write(payload)

    def _control(self, body: bytes) -> None:
        proxy = self.server.proxy
        what = self.path[len(CONTROL_PREFIX) :].split("?", 1)[0].strip("/")
        try:
            settings = json.loads(body or b"{}") if self.command == "POST" else {}
            if not isinstance(settings, dict):
                raise ValueError("the body must be a JSON object")
            if what == "health" and self.command == "GET":
                answer = {"ok": True, "upstream": proxy.upstream, "log": str(proxy.log_path)}
            elif what == "config" and self.command in ("GET", "POST"):
                answer = proxy.configure(**settings) if self.command == "POST" else proxy.decider.faults.to_dict()
            elif what == "log" and self.command == "POST":
                answer = {"log": str(proxy.rotate_log(settings.get("path")))}
            else:
                self._reply(404, "Not Found", [("Content-Type", "application/json")], b'{"message": "no such control"}')
                return
        except (ValueError, TypeError) as exc:
            payload = json.dumps({"message": str(exc)}).encode()
            self._reply(400, "Bad Request", [("Content-Type", "application/json")], payload)
            return
        self._reply(200, "OK", [("Content-Type", "application/json")], json.dumps(answer).encode())


for _method in ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"):
    setattr(_Handler, f"do_{_method}", _Handler._handle)


class AwsProxy:
    """The proxy in this process: ``start()`` serves on a background thread and returns the URL."""

    def __init__(self, upstream: str, log_path, faults: Faults | None = None, host: str = LOOPBACK, port: int = 0):
        split = urllib.parse.urlsplit(upstream)
        if split.scheme != "http" or not split.hostname:
            raise ValueError(f"upstream must be an http:// URL, got {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self._upstream_address = (split.hostname, split.port or 80)
        self.decider = FaultDecider(faults or Faults())
        self._log_lock = threading.Lock()
        self._log = None
        self.log_path = None
        self.rotate_log(log_path)
        self._local = threading.local()
        self._server = _Server((host, port), _Handler)
        self._server.proxy = self
        self._thread = None
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"

    # the log
    def rotate_log(self, path=None) -> Path:
        """Write the log to ``path`` from now on (None: empty the current log). A new log starts empty."""
        with self._log_lock:
            new_path = Path(path) if path else self.log_path
            new_path.parent.mkdir(parents=True, exist_ok=True)
            if self._log:
                self._log.close()
            self._log = open(new_path, "w", encoding="utf-8")  # noqa: SIM115 - held open across calls
            self.log_path = new_path
            return new_path

    def record(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._log_lock:
            self._log.write(line)
            self._log.flush()

    # faults
    def configure(self, **changes) -> dict:
        """Change some fault settings; the per-operation counts and the sequence start again."""
        self.decider = FaultDecider(Faults.from_dict(changes, base=self.decider.faults))
        return self.decider.faults.to_dict()

    # forwarding
    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, True
        connection = http.client.HTTPConnection(*self._upstream_address, timeout=UPSTREAM_TIMEOUT)
        connection.connect()
        _nodelay(connection.sock)
        self._local.connection = connection
        return connection, False

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def forward(self, method: str, raw_path: str, headers, body: bytes):
        """Send the request upstream as it came; (status, reason, headers, body) of the answer."""
        headers = list(headers)
        sent = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP | {"content-length", "expect"}]
        has_body = bool(body) or any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers)
        if not any(k.lower() == "host" for k, _ in sent):
            sent.append(("Host", "{}:{}".format(*self._upstream_address)))
        for attempt in range(2):
            connection, reused = self._connection()
            try:
                connection.putrequest(method, raw_path, skip_host=True, skip_accept_encoding=True)
                for key, value in sent:
                    connection.putheader(key, value)
                if has_body:
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body if has_body else None)
                answer = connection.getresponse()
                payload = answer.read()
                if answer.will_close:
                    self._drop_connection()
                return answer.status, answer.reason, answer.getheaders(), payload
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._drop_connection()
                # A kept-alive upstream connection may have been closed while idle: try once afresh.
                if not reused or attempt:
                    raise
            except BaseException:
                self._drop_connection()
                raise
        raise AssertionError("unreachable")

    # serving
    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-proxy", daemon=True)
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        with self._log_lock:
            if self._log:
                self._log.close()
                self._log = None


@contextlib.contextmanager
def running_proxy(upstream: str, log_path, **faults):
    """A proxy in this process for the duration of the block; yields its URL.

    ``faults``: throttle_rate, error_rate, only (operations/services), seed, mode, latency_ms."""
    proxy = AwsProxy(upstream, log_path, Faults.from_dict(faults))
    url = proxy.start()
    try:
        yield url
    finally:
        proxy.close()


def _control_call(url: str, what: str, settings: dict | None = None, timeout: float = 5.0) -> dict:
    data = json.dumps(settings).encode() if settings is not None else None
    request = urllib.request.Request(
        f"{url.rstrip('/')}{CONTROL_PREFIX}{what}", data=data, method="POST" if data else "GET"
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        raise ProxyError(f"{what}: {exc.code} {exc.read().decode(errors='replace')}") from exc


def configure(url: str, **changes) -> dict:
    """Change a running proxy's fault settings (only those named); returns the whole configuration."""
    return _control_call(url, "config", changes)


def get_config(url: str) -> dict:
    return _control_call(url, "config")


def rotate_log(url: str, path=None) -> str:
    """Make a running proxy log to ``path`` from now on (None: empty its current log)."""
    return _control_call(url, "log", {"path": str(path)} if path else {})["log"]


def answers(url: str, timeout: float = 1.0) -> bool:
    try:
        return bool(_control_call(url, "health", timeout=timeout).get("ok"))
    except (ProxyError, OSError, ValueError):
        return False


# --------------------------------------------------------------------------------------------------
# The log
# --------------------------------------------------------------------------------------------------


def read_log(path) -> list[dict]:
    """The records of a proxy log (a last line still being written is skipped)."""
    records = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(line))
    return records


def summarise(records) -> dict:
    """Calls per service and operation, mutating calls (forwarded ones; faulted ones apart), faults,
    statuses, and the calls no name was found for."""
    services: dict[str, dict] = {}
    operations, mutating_operations, statuses, faults = Counter(), Counter(), Counter(), Counter()
    unnamed = Counter()
    mutating = mutating_faulted = 0
    for record in records:
        service, operation = record.get("service", "unknown"), record.get("operation", "")
        entry = services.setdefault(service, {"calls": 0, "mutating": 0})
        entry["calls"] += 1
        key = f"{service}:{operation}"
        operations[key] += 1
        statuses[str(record.get("status"))] += 1
        if record.get("fault"):
            faults[record["fault"]] += 1
        if service == "unknown" or " " in operation:
            unnamed[key] += 1
        if record.get("mutating"):
            if record.get("fault"):
                mutating_faulted += 1
            else:
                mutating += 1
                entry["mutating"] += 1
                mutating_operations[key] += 1
    return {
        "calls": sum(operations.values()),
        "mutating_calls": mutating,
        "mutating_faulted": mutating_faulted,
        "faults": dict(sorted(faults.items())),
        "statuses": dict(sorted(statuses.items())),
        "services": dict(sorted(services.items())),
        "operations": dict(sorted(operations.items())),
        "mutating_operations": dict(sorted(mutating_operations.items())),
        "unnamed": dict(sorted(unnamed.items())),
    }


# --------------------------------------------------------------------------------------------------
# The daemon and the command line
# --------------------------------------------------------------------------------------------------


def read_state(state_file: Path) -> dict | None:
    try:
        return json.loads(Path(state_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        raise ProxyError(f"state file {state_file} is not valid JSON: {exc}") from exc


def _running(state: dict | None) -> bool:
    return bool(state) and pid_alive(state["pid"]) and answers(state["url"])


def start(
    state_file: Path, upstream: str, log_path, faults: Faults | None = None, timeout: float = DEFAULT_START_TIMEOUT
) -> dict:
    """Start a proxy process of its own session; a live one the state file names is reconfigured instead
    (its faults set to ``faults``, its log rotated to ``log_path``) when it fronts the same upstream."""
    state_file = Path(state_file)
    faults = faults or Faults()
    log_path = Path(log_path).resolve()
    state = read_state(state_file)
    if _running(state):
        if state["upstream"] != upstream.rstrip("/"):
            raise ProxyError(f"{state_file} names a proxy in front of {state['upstream']}: stop it first")
        configure(state["url"], **faults.to_dict())
        state["log"] = rotate_log(state["url"], log_path)
        write_state(state_file, state)
        return state
    port_file = state_file.with_suffix(".port")
    port_file.unlink(missing_ok=True)
    stderr_path = state_file.with_suffix(".stderr")
    state_file.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "serve", "--upstream", upstream, "--log", str(log_path)]
    command += ["--port-file", str(port_file), "--config-json", json.dumps(faults.to_dict())]
    with open(stderr_path, "ab") as stderr:
        # A session of its own, so stop() can end it by its process group.
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProxyError(f"proxy exited with code {process.returncode}; see {stderr_path}")
        with contextlib.suppress(FileNotFoundError, ValueError):
            port = int(port_file.read_text())
            url = f"http://{LOOPBACK}:{port}"
            if answers(url):
                port_file.unlink(missing_ok=True)
                state = {"pid": process.pid, "port": port, "url": url, "upstream": upstream.rstrip("/")}
                state |= {"log": str(log_path), "stderr": str(stderr_path)}
                write_state(state_file, state)
                return state
        time.sleep(0.05)
    _terminate(process.pid, DEFAULT_STOP_TIMEOUT)
    raise ProxyError(f"proxy did not answer within {timeout:.0f}s; see {stderr_path}")


def stop(state_file: Path, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
    """Stop the proxy the state file names. False when there was none to stop."""
    state = read_state(Path(state_file))
    if state is None:
        return False
    was_running = pid_alive(state["pid"])
    if was_running:
        _terminate(state["pid"], timeout)
    Path(state_file).unlink(missing_ok=True)
    return was_running


def _serve(args) -> int:
    faults = Faults.from_dict(json.loads(args.config_json)) if args.config_json else _faults_from_args(args)
    proxy = AwsProxy(args.upstream, args.log, faults, port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.port_file:
        tmp = Path(str(args.port_file) + ".tmp")
        tmp.write_text(str(proxy.port))
        tmp.replace(args.port_file)
    print(proxy.url, flush=True)
    try:
        proxy.serve_forever()
    finally:
        proxy.close()
    return 0


def _fault_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--throttle-rate", type=float, help="share of calls answered with a throttling error")
    parser.add_argument("--error-rate", type=float, help="share of calls answered with a 500/503 error")
    parser.add_argument("--only-operations", "--only", dest="only", help="operations/services faults apply to")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--mode", choices=FAULT_MODES, help="hash (default): per operation and call number")
    parser.add_argument("--latency-ms", type=float, help="delay added to every call")


def _fault_settings(args) -> dict:
    settings = {}
    for key in ("throttle_rate", "error_rate", "only", "seed", "mode", "latency_ms"):
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    return settings


def _faults_from_args(args) -> Faults:
    return Faults.from_dict(_fault_settings(args))


def _state_url(state_file: Path) -> str:
    state = read_state(state_file)
    if not _running(state):
        raise ProxyError(f"no proxy answers for {state_file}")
    return state["url"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="action", required=True)
    for action in ("start", "serve", "stop", "status", "url", "config", "rotate-log", "summary", "routes"):
        sub = commands.add_parser(action)
        if action not in ("summary", "routes", "serve"):
            sub.add_argument("--state-file", type=Path, default=Path(".emulator/proxy.json"))
        if action in ("start", "serve"):
            sub.add_argument("--upstream", required=True, help="the emulator's URL")
        if action in ("start", "serve", "summary"):
            sub.add_argument("--log", type=Path, required=True, help="the JSON-lines call log")
        if action == "rotate-log":
            sub.add_argument("--log", type=Path, help="the new log (default: empty the current one)")
        if action in ("start", "serve", "config"):
            _fault_arguments(sub)
        if action == "start":
            sub.add_argument("--timeout", type=float, default=DEFAULT_START_TIMEOUT)
        if action == "serve":
            sub.add_argument("--port", type=int, default=0)
            sub.add_argument("--port-file", type=Path)
            sub.add_argument("--config-json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.action == "serve":
            return _serve(args)
        if args.action == "start":
            print(start(args.state_file, args.upstream, args.log, _faults_from_args(args), args.timeout)["url"])
        elif args.action == "stop":
            print("stopped" if stop(args.state_file) else "not running")
        elif args.action == "url":
            print(_state_url(args.state_file))
        elif args.action == "status":
            state = read_state(args.state_file)
            running = _running(state)
            config = get_config(state["url"]) if running else None
            print(json.dumps({"running": running, **(state or {}), "config": config}))
            return 0 if running else 1
        elif args.action == "config":
            print(json.dumps(configure(_state_url(args.state_file), **_fault_settings(args))))
        elif args.action == "rotate-log":
            print(rotate_log(_state_url(args.state_file), args.log.resolve() if args.log else None))
        elif args.action == "summary":
            print(json.dumps(summarise(read_log(args.log)), indent=2))
        elif args.action == "routes":
            print(generate_routes(), end="")
    except (ProxyError, ValueError, OSError) as exc:
        print(f"aws_proxy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

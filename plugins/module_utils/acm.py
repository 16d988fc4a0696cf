# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ACM calls this collection's modules make, one small function each, and PEM helpers.

Every call function takes a client made by ``base.client(module, "acm")`` (so each call is retried)
and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import base64
import binascii
import hashlib
import re

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils.base import paginate
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_list

PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\s*(.+?)\s*-----END CERTIFICATE-----", re.DOTALL)

# ListCertificates returns only RSA_2048 certificates unless asked for every key type.
KEY_TYPES = [
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
]


def first_certificate_der(pem):
    """The DER bytes of the first certificate of a PEM text; None when there is none."""
    match = PEM_CERTIFICATE.search(pem or "")
    if not match:
        return None
    try:
        return base64.b64decode("".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def fingerprint(pem):
    """The SHA-256 fingerprint (lower-case hex) of the first certificate of a PEM text; None if none."""
    der = first_certificate_der(pem)
    return hashlib.sha256(der).hexdigest() if der else None


def list_imported_certificates(client, domain_name):
    summaries = paginate(
        client,
        "list_certificates",
        "CertificateSummaryList",
        Includes={"keyTypes": KEY_TYPES},
    )
    return [
        summary
        for summary in summaries
        if summary.get("DomainName") == domain_name and summary.get("Type", "IMPORTED") == "IMPORTED"
    ]


def describe_certificate(client, arn):
    try:
        return client.describe_certificate(CertificateArn=arn)["Certificate"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def certificate_pem(client, arn):
    """The leaf certificate ACM holds (its chain is left out: ACM may add one of its own)."""
    return client.get_certificate(CertificateArn=arn).get("Certificate", "")


def list_tags(client, arn):
    return tags_to_dict(client.list_tags_for_certificate(CertificateArn=arn).get("Tags", []))


def import_certificate(client, certificate, private_key, chain, tags=None, arn=None):
    request = {"Certificate": certificate.encode("utf-8"), "PrivateKey": private_key.encode("utf-8")}
    if chain:
        request["CertificateChain"] = chain.encode("utf-8")
    if arn:
        # A re-import keeps the ARN, so whatever uses the certificate keeps using it.
        request["CertificateArn"] = arn
    elif tags:
        request["Tags"] = tags_to_list(tags)
    return client.import_certificate(**request)["CertificateArn"]


def update_tags(client, arn, tags_to_set, tags_to_remove):
    if tags_to_remove:
        client.remove_tags_from_certificate(CertificateArn=arn, Tags=[{"Key": key} for key in tags_to_remove])
    if tags_to_set:
        client.add_tags_to_certificate(CertificateArn=arn, Tags=tags_to_list(tags_to_set))


def delete_certificate(client, arn):
    try:
        client.delete_certificate(CertificateArn=arn)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return False
        raise
    return True

#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: acm_certificate_import
short_description: Import a certificate (such as one from a company's internal CA) into ACM, idempotently
version_added: 0.1.0
description:
  - Imports a PEM certificate, its private key and chain into AWS Certificate Manager, for a domain no public
    CA signs (such as a C(.internal) name).
  - The certificate is found among the imported certificates of O(domain_name) that carry O(match_tags); it is
    re-imported (keeping its ARN, so an API Gateway domain using it keeps it) only when the certificate given
    differs from the one ACM holds, compared by SHA-256 fingerprint. A rerun with the same certificate makes
    no call that writes.
  - Replaces M(community.aws.acm_certificate) in this collection, which re-imports on every run when ACM
    returns a chain of its own.
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the certificate's
    ARN, fingerprint, serial and tags before and after. The private key is never returned or logged.
author:
  - Payments platform team (!UNKNOWN)
options:
  domain_name:
    description:
      - The domain the certificate is for (its subject or first subject alternative name, as ACM reports it).
      - A certificate that is not for this domain is refused before import.
    type: str
    required: true
  certificate:
    description: The certificate, PEM. Required with O(state=present).
    type: str
  private_key:
    description: The certificate's unencrypted private key, PEM. Required with O(state=present).
    type: str
  certificate_chain:
    description: The intermediate and root certificates, PEM, leaf's issuer first.
    type: str
  match_tags:
    description:
      - Tags that tell this certificate apart from other imported certificates of the same domain (such as
        the stack's tag). They are also set on the certificate.
    type: dict
    default: {}
  state:
    description: Whether the certificate should be in ACM.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Import the internal CA's certificate for the API's domain
  payments.aws_platform.acm_certificate_import:
    domain_name: api-prod.payments.internal
    certificate: "{{ lookup('ansible.builtin.file', 'certs/api-prod.pem') }}"
    private_key: "{{ vault_api_prod_private_key }}"
    certificate_chain: "{{ lookup('ansible.builtin.file', 'certs/internal-ca-chain.pem') }}"
    match_tags:
      Stack: payments-prod
    tags:
      Project: payments
  register: certificate
"""

RETURN = r"""
certificate:
  description: The certificate in ACM; {} when absent (or, in check mode, its ARN missing when not yet imported).
  returned: always
  type: dict
  contains:
    certificate_arn:
      description: The certificate's ARN.
      type: str
      sample: arn:aws:acm:us-east-1:123456789012:certificate/0f2a...
    domain_name:
      description: The domain.
      type: str
    fingerprint_sha256:
      description: The SHA-256 fingerprint of the certificate, lower-case hex.
      type: str
    serial:
      description: The serial number as ACM reports it.
      type: str
    not_after:
      description: When the certificate expires.
      type: str
    tags:
      description: The certificate's tags.
      type: dict
diff:
  description: The certificate before and after the change.
  returned: when diff mode is on
  type: dict
"""


try:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import acm
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes


def argument_spec():
    return dict(
        domain_name=dict(type="str", required=True),
        certificate=dict(type="str"),
        private_key=dict(type="str", no_log=True),
        certificate_chain=dict(type="str"),
        match_tags=dict(type="dict", default={}),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def certificate_names(pem):
    """The subject CN and DNS subject alternative names of a PEM certificate; None without cryptography."""
    if not HAS_CRYPTOGRAPHY:
        return None
    certificate = x509.load_pem_x509_certificate(pem.encode("utf-8"))
    names = [attribute.value for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names += extension.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        pass
    return names


def check_certificate(module):
    params = module.params
    if not params["certificate"] or not params["private_key"]:
        module.fail_json(msg="certificate and private_key are required with state=present")
    if acm.fingerprint(params["certificate"]) is None:
        module.fail_json(msg="certificate is not a PEM certificate")
    try:
        names = certificate_names(params["certificate"])
    except ValueError as e:
        module.fail_json(msg=f"certificate cannot be read: {e}")
    if names is not None and params["domain_name"] not in names:
        module.fail_json(msg=f"certificate is for {names}, not for domain_name {params['domain_name']}")


def matches(tags, match_tags):
    return all(tags.get(key) == value for key, value in match_tags.items())


def find_certificates(acm_client, params):
    """Every imported certificate of the domain carrying match_tags, with its tags."""
    found = []
    for summary in acm.list_imported_certificates(acm_client, params["domain_name"]):
        tags = acm.list_tags(acm_client, summary["CertificateArn"])
        if matches(tags, params["match_tags"]):
            found.append((summary["CertificateArn"], tags))
    return found


def certificate_view(acm_client, arn, tags):
    described = acm.describe_certificate(acm_client, arn) or {}
    return {
        "certificate_arn": arn,
        "domain_name": described.get("DomainName"),
        "fingerprint_sha256": acm.fingerprint(acm.certificate_pem(acm_client, arn)),
        "serial": described.get("Serial"),
        "not_after": str(described.get("NotAfter", "")),
        "tags": tags,
    }


def choose(module, acm_client, found, wanted_fingerprint):
    """The one certificate to manage (the one already holding the wanted certificate first)."""
    views = [certificate_view(acm_client, arn, tags) for arn, tags in found]
    same = [view for view in views if view["fingerprint_sha256"] == wanted_fingerprint]
    if same:
        return same[0]
    if len(views) > 1:
        arns = ", ".join(view["certificate_arn"] for view in views)
        module.fail_json(
            msg=f"{len(views)} imported certificates of {module.params['domain_name']} carry "
            f"{module.params['match_tags']}: {arns}; give match_tags that tell them apart"
        )
    return views[0] if views else None


def ensure_present(module, acm_client):
    params = module.params
    check_certificate(module)
    wanted_fingerprint = acm.fingerprint(params["certificate"])
    desired_tags = dict(params["tags"] or {}, **params["match_tags"]) if params["tags"] is not None else None
    before = choose(module, acm_client, find_certificates(acm_client, params), wanted_fingerprint) or {}
    reimport = bool(before) and before["fingerprint_sha256"] != wanted_fingerprint
    tags_to_set, tags_to_remove = tag_changes(before.get("tags", {}), desired_tags, params["purge_tags"])
    if not before:
        tags_to_set, tags_to_remove = dict(desired_tags or params["match_tags"]), []
    changed = not before or reimport or bool(tags_to_set or tags_to_remove)
    after = dict(before, domain_name=params["domain_name"], fingerprint_sha256=wanted_fingerprint)
    after["tags"] = apply_tag_changes(before.get("tags", {}), tags_to_set, tags_to_remove)
    if reimport or not before:
        for field in ("serial", "not_after"):
            after.pop(field, None)
    if module.check_mode or not changed:
        exit_with(module, changed, before, after, certificate=after)

    if not before:
        arn = acm.import_certificate(
            acm_client, params["certificate"], params["private_key"], params["certificate_chain"], tags=tags_to_set
        )
    else:
        arn = before["certificate_arn"]
        if reimport:
            acm.import_certificate(
                acm_client, params["certificate"], params["private_key"], params["certificate_chain"], arn=arn
            )
        acm.update_tags(acm_client, arn, tags_to_set, tags_to_remove)
    after = certificate_view(acm_client, arn, acm.list_tags(acm_client, arn))
    exit_with(module, changed, before, after, certificate=after)


def ensure_absent(module, acm_client):
    found = find_certificates(acm_client, module.params)
    before = certificate_view(acm_client, *found[0]) if found else {}
    changed = bool(found)
    if changed and not module.check_mode:
        # Every match is deleted (a list, not a generator: any() must not stop at the first).
        deleted = [acm.delete_certificate(acm_client, arn) for arn, _tags in found]
        changed = any(deleted)
    exit_with(module, changed, before, {}, certificate={})


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(
        module,
        "acm",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage the certificate of {module.params['domain_name']}",
    )


if __name__ == "__main__":
    main()

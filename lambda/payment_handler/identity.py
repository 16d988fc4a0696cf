"""Who owns a payment: the caller API Gateway authenticated, read from the proxy event's requestContext.

In order of preference:

1. IAM authorization (``AWS_IAM``) by a Cognito identity pool's credentials (a browser app's users): every
   user of the pool calls as the pool's role, so the owner is the user's identity,
   ``cognito-identity:<identityPoolId>/<cognitoIdentityId>``, never the shared role.
2. IAM authorization (``AWS_IAM``): ``requestContext.identity.userArn``. An assumed-role session counts
   as its role, so every session of one role shares its payments:
   ``arn:aws:sts::123456789012:assumed-role/RoleName/session`` -> ``arn:aws:sts::123456789012:assumed-role/RoleName``.
   IAM users, the account root and federated users: the ARN as given.
3. A Cognito user pool authorizer: ``requestContext.authorizer.claims`` ``iss`` and ``sub`` ->
   ``cognito:<iss>#<sub>``.
4. A Lambda (custom) authorizer: ``requestContext.authorizer.principalId`` -> ``authorizer:<principalId>``.

None of these (an unauthenticated method): no owner, and the handler refuses the request (403).
API Gateway builds requestContext itself; a client cannot set it.
"""

from __future__ import annotations

import re
from typing import Any

# arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>
_ASSUMED_ROLE = re.compile(r"^(arn:[^:]+:sts::[0-9]{12}:assumed-role/[^/]+)/[^/]+$")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def principal_of_arn(arn: str) -> str:
    """The principal an ARN stands for: an assumed-role session's role, any other ARN itself."""
    match = _ASSUMED_ROLE.match(arn)
    return match.group(1) if match else arn


def owner_of(request_context: Any) -> str | None:
    """The owner id of the caller of one request, or None when API Gateway authenticated nobody."""
    if not isinstance(request_context, dict):
        return None
    identity = request_context.get("identity")
    identity = identity if isinstance(identity, dict) else {}
    pool, cognito_identity = _text(identity.get("cognitoIdentityPoolId")), _text(identity.get("cognitoIdentityId"))
    if _text(identity.get("userArn")) is not None and pool is not None and cognito_identity is not None:
        return f"cognito-identity:{pool}/{cognito_identity}"
    user_arn = _text(identity.get("userArn"))
    if user_arn is not None:
        return principal_of_arn(user_arn)
    authorizer = request_context.get("authorizer")
    if not isinstance(authorizer, dict):
        return None
    claims = authorizer.get("claims")
    if isinstance(claims, dict):
        issuer, subject = _text(claims.get("iss")), _text(claims.get("sub"))
        if issuer is not None and subject is not None:
            return f"cognito:{issuer}#{subject}"
    principal_id = _text(authorizer.get("principalId"))
    if principal_id is not None:
        return f"authorizer:{principal_id}"
    return None

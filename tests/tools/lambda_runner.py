"""Run a deployed Lambda function the way Lambda would, since the emulator cannot (its Invoke needs Docker).

``DeployedFunction.from_emulator`` reads the function's configuration from the emulator (handler, runtime,
environment variables, timeout, memory) and takes, among the artifacts it is given, the one whose SHA-256 is the
deployed ``CodeSha256``: the code that runs is the code that was deployed, with the configuration that was
deployed, not the checkout's with the test's settings.

``DeployedFunction.running()`` then starts it as Lambda starts an execution environment: the package unzipped
into a task root of its own, a separate Python process whose environment holds only the function's variables and
what the runtime adds (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, ...), the handler imported once and called per
event with a Lambda context, bounded by the function's timeout. AWS services are reached through
``AWS_ENDPOINT_URL`` (the emulator stands in for the VPC endpoints). What differs from Lambda: the interpreter
is this one (python3.11), not the function's runtime, and nothing limits memory.

    function = DeployedFunction.from_emulator(endpoint, "payments-dev-processor", [Path("dist/handler.zip")])
    with function.running(endpoint) as process:
        result = process.invoke({"httpMethod": "GET", ...})
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import select
import subprocess
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from stack_state import REGION
from stack_state import aws

# Variables the runtime sets itself: a function's configuration cannot set them (Lambda refuses them).
RUNTIME_VARIABLES = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "TZ",
)

# The execution environment's loop: import the handler once, then one JSON line in (event and request id), one
# JSON line out (the handler's result, or the error Lambda would report). The handler's own output (print,
# logging) goes to stderr, which the harness keeps as the function's log.
BOOTSTRAP = r"""
import importlib, json, os, sys, time, traceback
protocol = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr
module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
try:
    handler = getattr(importlib.import_module(module_name), function_name)
    init_error = None
except Exception as error:
    handler, init_error = None, {"errorType": type(error).__name__, "errorMessage": str(error)}

class Context:
    def __init__(self, request_id, deadline):
        self.aws_request_id = request_id
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["_FUNCTION_ARN"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self._deadline = deadline
    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))

for line in sys.stdin:
    request = json.loads(line)
    if init_error is not None:
        protocol.write(json.dumps({"error": init_error}) + "\n")
        continue
    context = Context(request["requestId"], time.monotonic() + float(os.environ["_TIMEOUT"]))
    try:
        reply = {"result": handler(request["event"], context)}
    except Exception as error:
        reply = {"error": {"errorType": type(error).__name__, "errorMessage": str(error),
                           "stackTrace": traceback.format_exc().splitlines()}}
    try:
        protocol.write(json.dumps(reply) + "\n")
    except (TypeError, ValueError) as error:  # a result Lambda could not serialise either
        protocol.write(json.dumps({"error": {"errorType": "Runtime.MarshalError", "errorMessage": str(error)}}) + "\n")
"""


class FunctionError(RuntimeError):
    """The function raised, or could not start: what Lambda reports as a function error (X-Amz-Function-Error)."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('errorType')}: {error.get('errorMessage')}")
        self.error = error


def code_sha256(data: bytes) -> str:
    """Lambda's CodeSha256: the base64 of the package's SHA-256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


@dataclass(frozen=True)
class DeployedFunction:
    name: str
    arn: str
    handler: str
    runtime: str
    timeout: int
    memory_mb: int
    environment: dict[str, str]
    code_sha256: str
    package: Path
    region: str
    log_group: str = ""
    configuration: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_emulator(cls, endpoint: str, name: str, artifacts: Iterable[Path], region: str = REGION):
        """The function as deployed, with the artifact (among ``artifacts``) whose SHA-256 is its CodeSha256."""
        configuration = aws("lambda", endpoint).get_function(FunctionName=name)["Configuration"]
        deployed = configuration["CodeSha256"]
        seen = {}
        for path in artifacts:
            path = Path(path)
            if path.is_file():
                seen[str(path)] = code_sha256(path.read_bytes())
                if seen[str(path)] == deployed:
                    package = path
                    break
        else:
            raise AssertionError(f"no artifact has the deployed CodeSha256 {deployed} of {name}: {seen}")
        return cls(
            name=configuration["FunctionName"],
            arn=configuration["FunctionArn"],
            handler=configuration["Handler"],
            runtime=configuration["Runtime"],
            timeout=int(configuration["Timeout"]),
            memory_mb=int(configuration["MemorySize"]),
            environment=dict((configuration.get("Environment") or {}).get("Variables") or {}),
            code_sha256=deployed,
            package=package,
            region=region,
            log_group=(configuration.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}",
            configuration=configuration,
        )

    @contextlib.contextmanager
    def running(self, endpoint: str) -> Iterator[FunctionProcess]:
        """One execution environment of the function, ended when the block ends."""
        reserved = sorted(set(self.environment) & set(RUNTIME_VARIABLES))
        if reserved:
            raise AssertionError(f"{self.name} sets variables the Lambda runtime reserves: {reserved}")
        with tempfile.TemporaryDirectory(prefix=f"{self.name}-") as workdir:
            task_root = Path(workdir) / "task"
            with zipfile.ZipFile(self.package) as archive:
                archive.extractall(task_root)
            environment = {
                **self.environment,
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": self.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": self.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{uuid.uuid4().hex}",
                # The execution role's credentials on Lambda; the emulator takes any.
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_ENDPOINT_URL": endpoint,
                "LAMBDA_TASK_ROOT": str(task_root),
                "_HANDLER": self.handler,
                "_TIMEOUT": str(self.timeout),
                "_FUNCTION_ARN": self.arn,
            }
            log_path = Path(workdir) / "function.log"
            with log_path.open("w") as log:
                process = subprocess.Popen(
                    [sys.executable, "-I", "-c", BOOTSTRAP],
                    cwd=task_root,
                    env=environment,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                )
                running = FunctionProcess(self, process, log_path)
                try:
                    yield running
                finally:
                    running.close()


class FunctionProcess:
    """A started execution environment: ``invoke(event)`` -> the handler's result."""

    def __init__(self, function: DeployedFunction, process: subprocess.Popen, log_path: Path) -> None:
        self.function = function
        self.process = process
        self.log_path = log_path
        self.invocations = 0

    def invoke(self, event: dict[str, Any]) -> Any:
        request_id = str(uuid.uuid4())
        self.process.stdin.write(json.dumps({"event": event, "requestId": request_id}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], self.function.timeout + 5)
        if not ready:
            self.close()
            raise FunctionError({"errorType": "Sandbox.Timedout", "errorMessage": f"{self.function.timeout} s"})
        line = self.process.stdout.readline()
        if not line:
            raise FunctionError({"errorType": "Runtime.ExitError", "errorMessage": self.log()[-2000:]})
        self.invocations += 1
        reply = json.loads(line)
        if "error" in reply:
            raise FunctionError(reply["error"])
        return reply["result"]

    def log(self) -> str:
        """What the function wrote (stdout and stderr), as CloudWatch Logs would hold it."""
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

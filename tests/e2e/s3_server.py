"""A throwaway S3 API server for the end-to-end tests: moto's server (PyPI `moto[server]`),
started on 127.0.0.1 with a free port and stopped at the end, and a boto3 client for it. The
`s3_server` fixture gives one server to a whole test session; tests isolate themselves with their
own bucket (`server.create_bucket()`)."""

import socket
import subprocess
import sys
import time

import pytest

from pg_server import free_port

ACCESS_KEY = "strata-test-key"
SECRET_KEY = "strata-test-secret"
REGION = "eu-west-1"


class S3Server:
    def __init__(self):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.endpoint = f"http://{self.host}:{self.port}"
        self._process = None

    def start(self):
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the moto S3 server did not start")
                time.sleep(0.1)

    def stop(self):
        if self._process and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=30)

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name=REGION)

    def create_bucket(self, name):
        self.client().create_bucket(Bucket=name,
                                    CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def put(self, bucket, key, body):
        self.client().put_object(Bucket=bucket, Key=key,
                                 Body=body.encode() if isinstance(body, str) else body)


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server()
    try:
        server.start()
        yield server
    finally:
        server.stop()


AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
                 "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


@pytest.fixture
def no_aws_environment(monkeypatch):
    """No AWS_* variable of the machine leaks into a test (nor STRATA_LOG_FORMAT)."""
    for variable in (*AWS_VARIABLES, "STRATA_LOG_FORMAT"):
        monkeypatch.delenv(variable, raising=False)

"""A real S3-compatible HTTP server on loopback (moto's standalone server), on a free port.

`object_store` starts it once for the session with one bucket; `s3_storage` points the
app's default storage at that bucket, under a prefix of its own for each test, and gives
a boto3 client to look at what landed there. Nothing patches boto3: the app talks HTTP.
"""

import logging
import uuid
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

BUCKET = "actionplans-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}
REGION = "eu-west-2"


@dataclass
class ObjectStore:
    endpoint_url: str
    bucket: str = BUCKET

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["access_key"],
            aws_secret_access_key=CREDENTIALS["secret_key"],
        )

    def storage_options(self, prefix: str) -> dict:
        return {
            "bucket_name": self.bucket,
            "endpoint_url": self.endpoint_url,
            "region_name": REGION,
            "addressing_style": "path",
            "location": prefix,
            "default_acl": None,
            **CREDENTIALS,
        }

    def storage_url(self, prefix: str) -> str:
        """The same store as a STORAGE_URL, for app servers started by a test."""
        return (
            f"s3://{CREDENTIALS['access_key']}:{CREDENTIALS['secret_key']}@{self.bucket}/"
            f"{prefix}?endpoint_url={self.endpoint_url}&region_name={REGION}"
            "&addressing_style=path"
        )

    def keys(self, prefix: str) -> list[str]:
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=f"{prefix}/")
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture(scope="session")
def object_store():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    store = ObjectStore(endpoint_url=f"http://{host}:{port}")
    store.client().create_bucket(
        Bucket=store.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    yield store
    server.stop()


@pytest.fixture
def s3_storage(settings, object_store):
    """The default storage is the object store (a fresh prefix); yields (store, prefix)."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": object_store.storage_options(prefix),
        },
    }
    return object_store, prefix

"""Where the app keeps its files: `STORAGES["default"]`, read from the environment.

Every file the app keeps (stored PDFs, cached pack parts, uploads waiting for
confirmation) goes through Django's storage API, so several app servers and workers
can share one object store instead of a disk:

- nothing set: the local filesystem under `MEDIA_ROOT` (`make run` needs nothing);
- `STORAGE_URL=file:///srv/actionplans-files`: the filesystem at that folder;
- `STORAGE_URL=s3://bucket[/prefix][?endpoint_url=...&region_name=...]`: S3 or any
  S3-compatible store (MinIO, Ceph), through django-storages. Credentials go in the URL
  (`s3://KEY:SECRET@bucket`, percent-encoded) or come from boto3's usual places
  (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, an instance or task role). Other query
  options: `addressing_style` (`path` for most MinIO/Ceph setups), `signature_version`,
  `verify` (0 to skip TLS verification; never in production);
- or, without `STORAGE_URL`, the usual django-storages names: `AWS_STORAGE_BUCKET_NAME`
  plus optionally `AWS_S3_ENDPOINT_URL`, `AWS_S3_REGION_NAME`, `AWS_LOCATION`,
  `AWS_S3_ADDRESSING_STYLE`.

Objects are private (no ACL is set: the bucket's policy decides, and it should allow
no public reads). Downloads always go through the app's views, which check the policy;
the app never hands out bucket URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
S3_QUERY_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version"}


def _private(options: dict) -> dict:
    # No ACL on objects (the bucket decides); URLs, if anything ever asked, are signed.
    return {"default_acl": None, "querystring_auth": True, "file_overwrite": True, **options}


def default_storage_from_environ(environ: Mapping[str, str]) -> dict:
    """The `STORAGES["default"]` entry the environment asks for."""
    url = environ.get("STORAGE_URL", "").strip()
    if url:
        return _from_url(url)
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if bucket:
        names = {
            "endpoint_url": "AWS_S3_ENDPOINT_URL",
            "region_name": "AWS_S3_REGION_NAME",
            "location": "AWS_LOCATION",
            "addressing_style": "AWS_S3_ADDRESSING_STYLE",
        }
        options = {key: environ[name] for key, name in names.items() if environ.get(name)}
        return {"BACKEND": S3, "OPTIONS": _private({"bucket_name": bucket, **options})}
    return {"BACKEND": FILESYSTEM}


def _from_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return {"BACKEND": FILESYSTEM, "OPTIONS": {"location": unquote(parts.path)}}
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(
            "STORAGE_URL must look like s3://bucket[/prefix][?endpoint_url=...] or file:///path."
        )
    options: dict = {"bucket_name": parts.hostname}
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    if prefix := parts.path.strip("/"):
        options["location"] = prefix
    for key, value in parse_qsl(parts.query):
        if key in S3_QUERY_OPTIONS:
            options[key] = value
        elif key == "verify":
            options["verify"] = value.lower() not in {"0", "false", "no", "off"}
        else:
            raise ImproperlyConfigured(f"STORAGE_URL: unknown option {key!r}.")
    return {"BACKEND": S3, "OPTIONS": _private(options)}

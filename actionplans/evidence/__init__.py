"""Evidence files on actions and progress updates.

- `checks`: what a file is, read from its content (never its name), and the hostile
  files refused (programs, web pages, zip bombs, macro-enabled Office files);
- `uploads`: the upload handler that streams a file to a temporary file on disk and
  stops keeping bytes past the size limit;
- `scan`: the optional ClamAV scan (clamd's INSTREAM protocol);
- `services`: add, scan, remove: every write, with its history;
- `tasks`: the scan, run by the worker (`manage.py db_worker`).

Permissions are in `actionplans.policy` (`can_attach_evidence`, `can_download_evidence`,
`can_remove_evidence`); the views in `actionplans.views.evidence`.
"""

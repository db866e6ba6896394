"""The upload handler for evidence files: every file goes to a temporary file on disk,
never into memory, and past the size limit its bytes are dropped (still counted) so a
huge upload fills neither memory nor the disk. The form then refuses it by its size.

A view that takes evidence sets it before the request body is read:
`request.upload_handlers = [EvidenceUploadHandler(request)]` (so the view is
`csrf_exempt` outside and `csrf_protect` inside: the CSRF check reads the body).
"""

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class EvidenceUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received <= settings.EVIDENCE_MAX_FILE_BYTES:
            self.file.write(raw_data)

    def file_complete(self, file_size):
        file = super().file_complete(file_size)
        file.size = self.received  # what was sent, kept or not
        return file

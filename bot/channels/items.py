"""Channel checks for a content item on its way: image sizes are read back from the blobs."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from bot.channels import checks
from bot.channels.checks import Finding, ImageInfo
from bot.orgconfig import OrgConfig
from storage import blobs
from storage.models import Attachment, ContentItem, ContentVersion

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def item_findings(org: OrgConfig, item: ContentItem, version: ContentVersion) -> list[Finding]:
    if not item.channels:
        return []
    images = [i for a in version.attachments if (i := image_info(a)) is not None]
    return checks.check(org, item.channels, version.text, images)


def image_info(attachment: Attachment) -> ImageInfo | None:
    if attachment.media_type not in IMAGE_TYPES:
        return None
    try:
        data = blobs.store().get(attachment.sha256)
    except RuntimeError:  # no blob store configured (a bare engine in a unit test)
        return None
    if data is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError):
        return None
    return ImageInfo(attachment.filename, width, height)

"""Channel checks for a content item on its way, from the sizes measured at intake."""

from __future__ import annotations

from bot.channels import checks
from bot.channels.checks import Finding, ImageInfo
from bot.orgconfig import OrgConfig
from storage.models import ContentItem, ContentVersion


def item_findings(org: OrgConfig, item: ContentItem, version: ContentVersion) -> list[Finding]:
    if not item.channels:
        return []
    images = [
        ImageInfo(a.filename, a.width, a.height)
        for a in version.attachments
        if a.width is not None and a.height is not None
    ]
    return checks.check(org, item.channels, version.text, images, version.channel_texts)

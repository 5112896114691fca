"""Checking uploaded photos by their content, not their name."""

from __future__ import annotations

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from PIL.Image import DecompressionBombError

from cases.errors import CaseError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
# A few bytes can declare a 30000 × 30000 image ("decompression bomb"): refuse what a phone
# camera never takes before anything decodes it (the public page re-encodes photos).
MAX_PHOTO_PIXELS = 60_000_000
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def validate_photos(files, field: str = "photos") -> list[tuple[object, str]]:
    """Each file with its content type; a CaseError naming ``field`` for any bad one."""
    files = list(files or [])
    if len(files) > MAX_PHOTOS:
        raise CaseError.invalid({field: _("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}})
    checked, problems = [], []
    for upload in files:
        name = getattr(upload, "name", "") or _("照片")
        size = getattr(upload, "size", None) or 0
        if size > MAX_PHOTO_BYTES:
            problems.append(_("“%(name)s”超过 10 MB。") % {"name": name})
            continue
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                kind = image.format
                pixels = image.width * image.height
                image.verify()
        except DecompressionBombError:
            pixels = MAX_PHOTO_PIXELS + 1
            kind = None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            problems.append(_("“%(name)s”不是有效的图片（支持 JPEG、PNG、WebP、GIF）。") % {"name": name})
            continue
        finally:
            upload.seek(0)
        if pixels > MAX_PHOTO_PIXELS:
            problems.append(_("“%(name)s”的尺寸太大（最多 6000 万像素）。") % {"name": name})
            continue
        if kind not in CONTENT_TYPES:
            problems.append(
                _("“%(name)s”的格式 %(kind)s 不受支持（支持 JPEG、PNG、WebP、GIF）。") % {"name": name, "kind": kind}
            )
            continue
        checked.append((upload, CONTENT_TYPES[kind]))
    if problems:
        raise CaseError.invalid({field: problems})
    return checked

"""manage.py import_grids FILE [--dry-run]: load unit grids from a GeoJSON file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from org.geojson_import import GridImportError, ImportResult, import_grids


class Command(BaseCommand):
    # gettext, not gettext_lazy: argparse cannot wrap a lazy string, and the
    # module is only imported after django.setup().
    help = _("从 GeoJSON FeatureCollection 导入单元网格及所属区划；文件有任何问题时不导入任何数据。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("UTF-8 编码的 GeoJSON 文件"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查并统计，不写入数据库"))

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        text = read_text(Path(file))
        try:
            result = import_grids(text=text, dry_run=dry_run)
        except GridImportError as exc:
            # One problem per line so a long list can be worked through in an editor.
            summary = _("发现 %(n)d 个问题，未导入任何数据：") % {"n": len(exc.problems)}
            raise CommandError("\n".join([summary, *map(str, exc.problems)])) from None
        self.stdout.write(self.style.SUCCESS(summary_line(result)))


def read_text(path: Path) -> str:
    try:
        # utf-8-sig: files saved by Windows editors often start with a BOM.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(_("文件不存在：%(path)s") % {"path": path}) from None
    except IsADirectoryError:
        raise CommandError(_("这是一个目录，不是文件：%(path)s") % {"path": path}) from None
    except UnicodeDecodeError as exc:
        raise CommandError(
            _("文件不是 UTF-8 编码（第 %(offset)d 字节处）：%(path)s。请另存为 UTF-8 后再导入。")
            % {"offset": exc.start + 1, "path": path}
        ) from None


def summary_line(result: ImportResult) -> str:
    counts = {
        "grids_created": result.grids_created,
        "grids_updated": result.grids_updated,
        "regions_created": result.regions_created,
        "regions_renamed": result.regions_renamed,
    }
    if result.dry_run:
        return (
            _(
                "试运行，未写入数据库：将新建网格 %(grids_created)d 个、更新网格 %(grids_updated)d 个，"
                "新建区划 %(regions_created)d 个、更新区划名称 %(regions_renamed)d 个。"
            )
            % counts
        )
    return (
        _(
            "导入完成：新建网格 %(grids_created)d 个、更新网格 %(grids_updated)d 个，"
            "新建区划 %(regions_created)d 个、更新区划名称 %(regions_renamed)d 个。"
        )
        % counts
    )

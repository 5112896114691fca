"""Uploads: checked by content, not name, with size limits, on every path that
takes a file; photos stored outside the code tree and served only through views
that check the reader's scope; what the public sees is re-encoded without EXIF.

The upload paths (each listed with where its check lives):
- case photos, ``cases.photos.validate_photos`` through ``cases.services``: the API
  intake and actions (``/api/v1/cases/…``), the intake and case pages (``/work/…``),
  the public page (``/report/``), Open311 POST ``media``, the patrol report (page and
  API) and a sanitation fault turned into a case;
- sanitation inspection photos, the same ``validate_photos`` (``sanitation.inspections``);
- ledger imports (.xlsx, ``sanitation.excel.read_rows``): size, zip structure and the
  unpacked size before openpyxl reads anything;
- route imports (CSV, ``patrols.web.routes``): size, no binary content, a known encoding.
"""

import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from PIL import Image

from cases import clock
from cases.models import Attachment, Case, Status
from sanitation.inspections import inspection_record, load_starter_templates
from sanitation.models import InspectionPhoto, InspectionTemplate, RoadSection
from tests.cases.conftest import at, case_in, grid_point, photo
from tests.factories import make_person, road_section
from tests.public.conftest import gps_jpeg, public_case, walk_to_closed

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR).resolve()


def text_as_jpg(name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<script>alert(1)</script> not a picture", content_type="image/jpeg")


def png_as_jpg(name="photo.jpg") -> SimpleUploadedFile:
    upload = photo("x.png")
    return SimpleUploadedFile(name, upload.read(), content_type="image/jpeg")


def pixel_bomb() -> SimpleUploadedFile:
    """68 bytes that declare a 30000 × 30000 PNG (900 million pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
    data = b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")
    return SimpleUploadedFile("bomb.png", data, content_type="image/png")


def oversized() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    return SimpleUploadedFile("big.png", buffer.getvalue() + b"\0" * (10 * 1024 * 1024), content_type="image/png")


def hotline_form(world, **extra) -> dict:
    return {
        "source": "hotline",
        "category": "01001",
        "description": "井盖破损",
        **{k: f"{v:.6f}" for k, v in grid_point(world.city, 1).items()},
        "hotline_ticket_no": "T-UPL-1",
        "caller_name": "王五",
        "caller_phone": "13812345678",
        **extra,
    }


def stored_files(media_root) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


# --- by content, not by name; size ------------------------------------------------------------


def test_a_png_named_jpg_is_taken_as_the_png_it_is(client, world, media_root):
    client.force_login(world.operator)

    response = client.post("/api/v1/cases/", hotline_form(world, photos=[png_as_jpg()]))

    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(case__number=response.json()["number"])
    assert attachment.content_type == "image/png"
    served = client.get(f"/api/v1/photos/{attachment.pk}/")
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (text_as_jpg, "不是有效的图片"),
        (oversized, "超过 10 MB"),
        (pixel_bomb, "尺寸太大"),
    ],
    ids=["text-named-jpg", "over-10-mb", "pixel-bomb"],
)
def test_a_bad_photo_is_refused_and_nothing_is_stored(client, world, media_root, upload, message):
    client.force_login(world.operator)

    response = client.post("/api/v1/cases/", hotline_form(world, photos=[photo("ok.png"), upload()]))

    assert response.status_code == 400
    assert message in str(response.json()["errors"]["photos"])
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_handlers_feedback_photo_is_checked_by_content_too(client, world, media_root):
    case = case_in(Status.IN_PROGRESS, world, department="sz")
    client.force_login(world.handler_a)

    response = client.post(f"/api/v1/cases/{case.number}/feedback/", {"result": "已修复", "photos": [text_as_jpg()]})

    assert response.status_code == 400 and "photos" in response.json()["errors"]
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and not case.attachments.filter(stage="after").exists()


def test_the_public_page_checks_photos_by_content(client, world, media_root):
    from tests.public.conftest import report_form

    cache.clear()  # the public page's rate limit counts live in the cache

    response = client.post("/report/", report_form(world, photos=[pixel_bomb()]))

    assert response.status_code == 400 and "尺寸太大" in response.content.decode()
    assert not Case.objects.exists()


@pytest.fixture
def san(world, media_root):
    load_starter_templates()
    city = world.city
    road = road_section(city, "LD-UPL", name="上传测试路")
    template = InspectionTemplate.objects.get(code="road-cleaning")
    world.assessor = make_person("assessor", ["assessor"])
    world.leader_b = make_person("leader-339902", ["leader"], region=city.districts[1])
    world.road, world.template = road, template
    return world


def test_an_inspection_photo_is_checked_by_content(client, san):
    client.force_login(san.assessor)

    response = client.post(
        "/api/v1/sanitation/inspections/",
        {"template": "road-cleaning", "road": "LD-UPL", "counts": "{}", "photos": [text_as_jpg()]},
    )

    assert response.status_code == 400 and "photos" in response.json()["errors"]
    assert not InspectionPhoto.objects.exists()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def zip_bomb() -> bytes:
    """A valid zip of ~200 KB that unpacks to 210 MB (one sheet of zeros)."""
    out = io.BytesIO()
    block = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(210):
            member.write(block)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: photo("x.png").read(), "无法读取"),
        (zip_bomb, "解压后太大"),
        (lambda: b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024 + 1), "文件太大"),
    ],
    ids=["png-named-xlsx", "zip-bomb", "over-10-mb"],
)
def test_a_ledger_import_checks_the_file_before_reading_it(client, san, content, message):
    client.force_login(san.assessor)
    upload = SimpleUploadedFile("roads.xlsx", content(), content_type=XLSX)

    response = client.post("/sanitation/ledgers/roads/import/", {"step": "check", "file": upload})

    assert response.status_code == 400 and message in response.content.decode()
    assert RoadSection.objects.count() == 1


def test_a_route_import_refuses_a_picture_named_csv(client, world):
    client.force_login(world.dispatcher)
    upload = SimpleUploadedFile("routes.csv", photo("x.png").read(), content_type="text/csv")

    response = client.post("/patrols/routes/import/", {"file": upload})

    assert response.status_code == 400 and "这不是 CSV 文本文件" in response.content.decode()


# --- what the public sees ----------------------------------------------------------------------


def test_a_photo_with_gps_reaches_the_public_only_re_encoded(client, world, media_root):
    case = walk_to_closed(world, public_case(world), after_photo=gps_jpeg())
    after = case.attachments.get(stage=Attachment.Stage.AFTER)
    with after.file.open("rb") as stored:
        assert Image.open(stored).getexif().get_ifd(0x8825)  # the stored original has a GPS position

    track = client.get(f"/report/track/{case.number}/").content.decode()
    public = client.get(f"/report/photos/{after.pk}/")

    assert f"/report/photos/{after.pk}/" in track and "/api/v1/photos/" not in track and "/media/" not in track
    assert public.status_code == 200 and public["Content-Type"] == "image/jpeg"
    served = Image.open(io.BytesIO(public.content))
    assert len(served.getexif()) == 0 and b"GPS" not in public.content and b"Exif" not in public.content
    assert client.get(f"/api/v1/photos/{after.pk}/").status_code in (401, 403)  # the original: staff only
    open311 = client.get(f"/open311/v2/requests/{case.number}.json").content.decode()
    assert "/api/v1/photos/" not in open311 and "/media/" not in open311


# --- scope: a photo of someone else's case or inspection ---------------------------------------


def test_a_case_photo_is_served_only_within_the_readers_scope(client, world, media_root):
    case = case_in(Status.CLOSED, world, source="patrol", department="sz")  # grid 1: district 339901, 市政
    attachment = case.attachments.first()
    url = f"/api/v1/photos/{attachment.pk}/"
    outcome = {}
    for who in ("handler_a", "dispatcher", "leader", "handler_b", "outsider"):
        client.force_login(getattr(world, who))
        outcome[who] = client.get(url).status_code
    client.logout()
    outcome["anonymous"] = client.get(url).status_code
    leader_b = make_person("leader-339902", ["leader"], region=world.city.districts[1])
    client.force_login(leader_b)
    outcome["leader_b"] = client.get(url).status_code

    assert outcome == {
        "handler_a": 200,
        "dispatcher": 200,
        "leader": 200,
        "handler_b": 404,
        "outsider": 404,
        "anonymous": outcome["anonymous"],
        "leader_b": 404,
    }
    assert outcome["anonymous"] in (401, 403)
    client.force_login(world.handler_b)
    assert client.get(f"/api/v1/photos/{attachment.pk + 1000}/").status_code == 404


def test_an_inspection_photo_is_served_only_within_the_readers_scope(client, san):
    with clock.acting_at(at("2026-11-18 10:00")):
        inspection = inspection_record(
            by=san.assessor, template=san.template, road=san.road, counts={}, photos=[photo("site.jpg", fmt="JPEG")]
        )
    stored = inspection.photos.get()
    url = f"/api/v1/sanitation/photos/{stored.pk}/"
    outcome = {}
    for who in ("assessor", "dispatcher", "leader", "city_leader", "leader_b", "operator", "handler_a"):
        client.force_login(getattr(san, who))
        outcome[who] = client.get(url).status_code
    client.logout()

    assert outcome == {
        "assessor": 200,
        "dispatcher": 200,
        "leader": 200,
        "city_leader": 200,
        "leader_b": 404,
        "operator": 403,
        "handler_a": 403,
    }
    assert client.get(url).status_code in (401, 403)
    client.force_login(san.assessor)
    served = client.get(url)
    assert served["Content-Type"] == "image/jpeg" and b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    api = client.get(f"/api/v1/sanitation/inspections/{inspection.pk}/").json()
    assert api["photos"] == [f"http://testserver{url}"]
    page = client.get(f"/sanitation/inspections/{inspection.pk}/").content.decode()
    assert f'src="{url}"' in page and "/media/" not in page


# --- stored outside the code tree, never a public file ------------------------------------------


def test_the_default_media_root_is_outside_the_code_tree(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MEDIA_ROOT"} | {"XDG_DATA_HOME": str(tmp_path)}
    code = "from django.conf import settings; print(settings.MEDIA_ROOT)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env | {"DJANGO_SETTINGS_MODULE": "citymgmt.settings"},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    media_root = Path(result.stdout.strip().splitlines()[-1]).resolve()

    assert media_root == (tmp_path / "citymgmt" / "media").resolve()
    assert not media_root.is_relative_to(BASE_DIR)


def test_uploads_land_in_media_root_and_no_url_serves_them_as_files(client, world, media_root):
    case = report_with_photo(world)
    attachment = case.attachments.get()
    path = Path(attachment.file.path).resolve()

    assert path.is_relative_to(Path(media_root).resolve()) and path.is_file()
    with pytest.raises(Resolver404):
        resolve(f"/{settings.MEDIA_URL.strip('/')}/{attachment.file.name}")
    client.force_login(world.dispatcher)
    assert client.get(f"/{settings.MEDIA_URL.strip('/')}/{attachment.file.name}").status_code == 404
    assert client.get(f"/api/v1/photos/{attachment.pk}/").status_code == 200


def report_with_photo(world):
    from cases import services

    fields = {"source": "patrol", "category": "01001", "description": "井盖破损", **grid_point(world.city, 1)}
    with clock.acting_at(at("2026-11-18 09:00")):
        return services.case_report(by=world.inspector, photos=[photo()], **fields)

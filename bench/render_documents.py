"""Render the example documents to page images: notice (+ its source appendix), quiz, quiz key, handout, slides.

    .venv/bin/python bench/render_documents.py                      # a fresh index of corpus/
    .venv/bin/python bench/render_documents.py --data-dir .kodomo   # reuse an index

Builds the documents with the extractive engine from examples/fields/, converts them to PDF with LibreOffice
(`soffice --headless --convert-to pdf`) and to PNG with pdftoppm into docs/pages/. When LibreOffice or poppler
is missing and this runs as root, it installs libreoffice-writer, libreoffice-impress, poppler-utils and the
IPA fonts with apt-get. Page sizes, page counts and a check for citation markers in the resident's notice go
to bench/results/render-documents.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from kodomo_ai.config import get_settings
from kodomo_ai.drafting import draft_notice
from kodomo_ai.ingest.pipeline import ingest_paths
from kodomo_ai.retrieval import Retriever
from kodomo_ai.runtime import open_knowledge_base
from kodomo_ai.training import build_training, write_training

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "pages"
RESULTS = ROOT / "bench" / "results" / "render-documents.json"
PACKAGES = ["libreoffice-writer", "libreoffice-impress", "poppler-utils", "fonts-ipafont-gothic",
            "fonts-ipafont-mincho"]  # fmt: skip
NOTICES = ("riyou-horyu", "kyufu-nintei")  # a disposition with reason and 教示; a certificate with 記 items
TOPIC = "suimin"
DPI = {"a4": 100, "slides": 72}  # about 830 px wide for A4 and 960 px for a 16:9 slide
PALETTE = 32  # colours per image: 16 turned the slides' orange accent beige
MARKER = re.compile(r"\[\d{1,3}\]")


def ensure_tools() -> None:
    """Install LibreOffice and poppler with apt-get when missing (as root), or stop with what to install."""
    if shutil.which("soffice") and shutil.which("pdftoppm"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(f"soffice and pdftoppm are needed: apt-get install {' '.join(PACKAGES)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES], check=True, env=env
    )


def read_fields(path: Path) -> dict[str, Any]:
    """An example's fields; an `allocation` given as a file name is read next to it (as the CLI does)."""
    fields: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(fields.get("allocation"), str):
        fields["allocation"] = json.loads((path.parent / fields["allocation"]).read_text(encoding="utf-8"))
    return fields


def to_pdf(files: list[Path], out_dir: Path, profile: Path) -> dict[Path, Path]:
    """Convert office files to PDF with one LibreOffice run (its own profile, so a running one is not used)."""
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out_dir), *map(str, files)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return {f: out_dir / f"{f.stem}.pdf" for f in files}


def pdf_info(pdf: Path) -> dict[str, Any]:
    """Page count and page size (points and name) as pdfinfo reports them."""
    text = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", text, re.M).group(1))  # type: ignore[union-attr]
    size = re.search(r"^Page size:\s+(.*)$", text, re.M).group(1).strip()  # type: ignore[union-attr]
    return {"pages": pages, "page_size": size}


def page_text(pdf: Path, page: int) -> str:
    """The text of one page (1-based)."""
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def to_png(pdf: Path, page: int, name: str, dpi: int) -> Path:
    """One page as docs/pages/<name>.png, reduced to a small palette (text and flat colours lose nothing)."""
    from PIL import Image

    target = PAGES / name
    args = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
    subprocess.run([*args, str(pdf), str(target)], check=True)
    path = target.with_suffix(".png")
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=PALETTE, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path


def build(retriever: Retriever, work: Path) -> dict[str, Path]:
    """The example files: each notice and its appendix, and one topic's training set."""
    files: dict[str, Path] = {}
    for kind in NOTICES:
        draft = draft_notice(
            kind, read_fields(ROOT / "examples" / "fields" / f"{kind}.json"), retriever=retriever
        )
        written = draft.write_docx(work)
        files[f"notice-{kind}"], files[f"notice-{kind}-sources"] = written["docx"], written["sources_docx"]
    material = build_training(TOPIC, retriever=retriever, audience="new")
    training = write_training(material, work / "training")
    files.update(quiz=training["quiz_docx"], handout=training["handout_docx"], slides=training["slides"])
    return files


def slide_pages(pdf: Path) -> dict[str, int]:
    """Which slides to show: the title, goals, the first key point, the case, the summary and the sources."""
    count = pdf_info(pdf)["pages"]
    point = next(n for n in range(3, count) if "学習目標" not in page_text(pdf, n))
    # The deck ends with the case, the summary and the sources (training/slides.py).
    return {"title": 1, "goals": 2, "point": point, "case": count - 2, "summary": count - 1, "sources": count}


def main() -> None:
    """Build, convert and rasterise the examples; write the page images and the measured figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse an index (default: a fresh one)")
    args = parser.parse_args()
    ensure_tools()
    PAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        settings = get_settings().model_copy(
            update={"data_dir": args.data_dir or work / "data", "models_path": ROOT / ".kodomo" / "models"}
        )
        kb = open_knowledge_base(settings)
        if args.data_dir is None:
            print(ingest_paths(kb, [ROOT / "corpus"]).summary())  # noqa: T201
        files = build(Retriever(kb), work / "out")
        pdfs = to_pdf(list(files.values()), work / "pdf", work / "lo-profile")
        report: dict[str, Any] = {}
        for name, source in files.items():
            pdf = pdfs[source]
            info = pdf_info(pdf)
            report[name] = {"file": source.name, **info}
            if name.startswith("notice-") and not name.endswith("-sources"):
                text = "\n".join(page_text(pdf, n) for n in range(1, info["pages"] + 1))
                report[name]["citation_markers"] = len(MARKER.findall(text))
                to_png(pdf, 1, name, DPI["a4"])
            elif name == "quiz":
                key = next(n for n in range(1, info["pages"] + 1) if "解答と根拠" in page_text(pdf, n))
                report[name]["key_starts_on_page"] = key
                report[name]["questions_pages"] = key - 1
                to_png(pdf, 1, "quiz", DPI["a4"])
                to_png(pdf, key, "quiz-key", DPI["a4"])
            elif name == "slides":
                for label, page in slide_pages(pdf).items():
                    to_png(pdf, page, f"slides-{label}", DPI["slides"])
            else:
                to_png(pdf, 1, name, DPI["a4"])
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name, row in report.items():
        print(name, json.dumps(row, ensure_ascii=False))  # noqa: T201
    images = sorted(PAGES.glob("*.png"))
    print(f"{len(images)} images, {sum(p.stat().st_size for p in images) // 1024} KB in {PAGES}")  # noqa: T201


if __name__ == "__main__":
    main()

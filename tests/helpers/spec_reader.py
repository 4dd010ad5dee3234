"""A second .tracy reader, written from docs/FORMAT.md alone: the standard library, `msgpack`
(not msgspec, which the project's reader uses) and `zstandard`, and nothing of `tracefile`.

`tests/tracefile/format/test_spec_reader.py` holds it to the golden files and to files the
writer makes now: when the specification stops saying enough to read what the writer writes,
that test fails. Its choices where the text left room are the ones FORMAT.md now states.
"""
import json
import struct
import zlib

import msgpack
import zstandard

MAGIC = b"\x89TRACY\r\n\x1a\n"
SYNC = b"\xf7TRF"
HDR = 24
MAX_LEN = 1 << 30
MAX_RAW = 1 << 26
MAX_ITEMS = 1 << 22
MAX_DEPTH = 64
MAX_CHAIN = 1 << 20
READER_MAJOR = 2

KIND_FILE_INFO, KIND_SPANS, KIND_DETAILS, KIND_CONTENT, KIND_FEEDBACK, KIND_INDEX = (
    0x01, 0x10, 0x11, 0x12, 0x20, 0x7F)


class Damage(Exception):
    pass


class Ref:
    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return "Ref(%d)" % self.n


def ext_hook(code, data):
    if code == 1 and len(data) in (1, 2, 4, 8):
        return Ref(int.from_bytes(data, "big"))
    return msgpack.ExtType(code, data)


# ---------------------------------------------------------------- budget (§5.1)
def check_budget(buf, frame_size):
    """One pass over MessagePack headers; raises Damage if limits are broken."""
    limit = min(MAX_ITEMS, 32 * frame_size)
    n = len(buf)
    pos = 0
    items = 0
    # stack of remaining element counts per open container
    stack = []
    first = True

    def need(k):
        if pos + k > n:
            raise Damage("truncated msgpack")

    while True:
        if not first and not stack:
            break
        first_value = first
        first = False
        need(1)
        b = buf[pos]
        pos += 1
        items += 1
        if items > limit:
            raise Damage("too many items")
        cnt = None  # container element count (values, for maps 2*entries)
        blen = None
        if b <= 0x7F or b >= 0xE0 or b in (0xC0, 0xC2, 0xC3):
            pass
        elif 0x80 <= b <= 0x8F:
            cnt = 2 * (b & 0x0F)
        elif 0x90 <= b <= 0x9F:
            cnt = b & 0x0F
        elif 0xA0 <= b <= 0xBF:
            blen = b & 0x1F
        elif b in (0xC4, 0xD9):
            need(1); blen = buf[pos]; pos += 1
        elif b in (0xC5, 0xDA):
            need(2); blen = int.from_bytes(buf[pos:pos + 2], "big"); pos += 2
        elif b in (0xC6, 0xDB):
            need(4); blen = int.from_bytes(buf[pos:pos + 4], "big"); pos += 4
        elif b in (0xC7, 0xC8, 0xC9):
            w = {0xC7: 1, 0xC8: 2, 0xC9: 4}[b]
            need(w); blen = int.from_bytes(buf[pos:pos + w], "big") + 1; pos += w
        elif b in (0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xD0, 0xD1, 0xD2, 0xD3):
            w = {0xCA: 4, 0xCB: 8, 0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8,
                 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}[b]
            need(w); pos += w
        elif b in (0xD4, 0xD5, 0xD6, 0xD7, 0xD8):
            blen = 1 + {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}[b]
        elif b == 0xDC:
            need(2); cnt = int.from_bytes(buf[pos:pos + 2], "big"); pos += 2
        elif b == 0xDD:
            need(4); cnt = int.from_bytes(buf[pos:pos + 4], "big"); pos += 4
        elif b == 0xDE:
            need(2); cnt = 2 * int.from_bytes(buf[pos:pos + 2], "big"); pos += 2
        elif b == 0xDF:
            need(4); cnt = 2 * int.from_bytes(buf[pos:pos + 4], "big"); pos += 4
        else:  # 0xC1
            raise Damage("invalid msgpack byte")
        if first_value and not (0x90 <= b <= 0x9F or b in (0xDC, 0xDD)):
            raise Damage("payload is not an array")
        if blen is not None:
            need(blen)
            pos += blen
        if stack:
            stack[-1] -= 1
        if cnt is not None:
            if cnt > n - pos:
                raise Damage("declared length too large")
            if cnt:
                stack.append(cnt)
                if len(stack) > MAX_DEPTH:
                    raise Damage("nested too deep")
        while stack and stack[-1] == 0:
            stack.pop()
    if pos != n:
        raise Damage("trailing bytes after payload")


def decode_payload(buf, frame_size, ext=True):
    check_budget(buf, frame_size)
    return msgpack.unpackb(buf, raw=False, strict_map_key=False,
                           ext_hook=ext_hook if ext else None, use_list=True)


# ---------------------------------------------------------------- framing (§1, §5)
def valid_header(data, p):
    if p + HDR > len(data) or data[p:p + 4] != SYNC:
        return None
    h = data[p:p + HDR]
    kind, flags, _res, stored, raw, pcrc, hcrc = struct.unpack("<BBHIIII", h[4:])
    if zlib.crc32(h[:20]) != hcrc:
        return None
    if stored > MAX_LEN or raw > MAX_LEN:
        return None
    return dict(kind=kind, flags=flags, stored=stored, raw=raw, pcrc=pcrc)


def next_valid_header(data, start, end=None):
    end = len(data) if end is None else end
    i = start
    while True:
        i = data.find(SYNC, i, end)
        if i < 0:
            return None
        if valid_header(data, i):
            return i
        i += 1


def walk_frames(data, warnings):
    """Yield (offset, header, stored_payload) for every intact frame."""
    if len(data) < 16:
        if MAGIC.startswith(data[:10]) or data[:10] == MAGIC:
            return
        raise ValueError("not a .tracy file")
    if data[:10] != MAGIC:
        raise ValueError("not a .tracy file (bad magic)")
    major, minor, _ = struct.unpack("<HHH", data[10:16])
    if major > READER_MAJOR:
        raise ValueError("written in .tracy format %d.%d; upgrade" % (major, minor))
    p = 16
    n = len(data)
    while p < n:
        h = valid_header(data, p)
        if h is None:
            q = next_valid_header(data, p + 1)
            if q is None:
                rest = data[p:]
                if len(rest) < HDR and SYNC.startswith(rest[:4]):
                    warnings.append("file ends inside a frame header at %d" % p)
                else:
                    warnings.append("damaged bytes at %d..%d" % (p, n))
                return
            warnings.append("damaged bytes at %d..%d" % (p, q))
            p = q
            continue
        end = p + HDR + h["stored"]
        if end > n:
            q = next_valid_header(data, p + 1)
            if q is not None:
                warnings.append("torn frame at %d" % p)
                p = q
                continue
            warnings.append("file ends inside a frame at %d" % p)
            return
        payload = data[p + HDR:end]
        if zlib.crc32(payload) != h["pcrc"]:
            q = next_valid_header(data, p + HDR, end)
            warnings.append("damaged frame at %d (payload crc)" % p)
            p = q if q is not None else end
            continue
        yield p, h, payload
        p = end


def frame_raw(h, payload):
    if h["flags"] & 1:
        if h["raw"] > MAX_RAW:
            raise Damage("raw_len too large")
        out = zstandard.ZstdDecompressor().decompress(payload, max_output_size=h["raw"])
        if len(out) != h["raw"]:
            raise Damage("raw_len mismatch")
        return out
    if h["stored"] > MAX_RAW:
        raise Damage("payload too large")
    return payload


# ---------------------------------------------------------------- content store (§2.6)
class ContentStore:
    def __init__(self, data):
        self.data = data
        self.frames = []  # (store, first, count, offset, header)
        self.decoded = {}  # offset -> list of entries or Damage

    def add_frame(self, off, h, payload):
        if len(payload) < 28:
            return
        store, first, count = struct.unpack("<QQI", payload[:20])
        self.frames.append((store, first, count, off, h))

    def _entries(self, off, h):
        if off in self.decoded:
            r = self.decoded[off]
        else:
            try:
                payload = self.data[off + HDR:off + HDR + h["stored"]]
                if zlib.crc32(payload) != h["pcrc"]:
                    raise Damage("content frame checksum")
                store, first, count, codec, raw_len = struct.unpack("<QQIB3xI", payload[:28])
                body = payload[28:]
                if raw_len > MAX_RAW:
                    raise Damage("content raw_len too large")
                if codec == 1:
                    body = zstandard.ZstdDecompressor().decompress(body, max_output_size=raw_len)
                elif codec != 0:
                    raise Damage("unknown content codec %d" % codec)
                if len(body) != raw_len:
                    raise Damage("content raw_len mismatch")
                ents = decode_payload(body, HDR + h["stored"], ext=False)
                if not isinstance(ents, list) or len(ents) != count:
                    raise Damage("content entry count")
                r = (first, ents)
            except Damage as e:
                r = e
            except Exception as e:  # zstd / msgpack errors
                r = Damage("content frame undecodable: %s" % e)
            self.decoded[off] = r
        if isinstance(r, Damage):
            raise r
        return r

    def entry(self, store, num):
        cands = [f for f in self.frames if f[0] == store and f[1] <= num < f[1] + f[2]]
        if not cands:
            raise Damage("entry %d of store %x not found" % (num, store))
        last = None
        for f in reversed(cands):  # latest first
            try:
                first, ents = self._entries(f[3], f[4])
                e = ents[num - first]
                if not (isinstance(e, list) and len(e) >= 3 and isinstance(e[0], int)
                        and isinstance(e[1], int) and isinstance(e[2], (str, bytes))):
                    raise Damage("malformed entry %d" % num)
                return e
            except Damage as ex:
                last = ex
        raise last

    def text(self, store, num):
        parts = []
        links = 0
        cur = num
        e = self.entry(store, cur)
        typ = type(e[2])
        chain = [e]
        while e[0] != -1:
            base = e[0]
            if base < 0 or base >= cur:
                raise Damage("entry %d has base %d not smaller" % (cur, base))
            links += 1
            if links > MAX_CHAIN:
                raise Damage("chain too long")
            cur = base
            e = self.entry(store, cur)
            if type(e[2]) is not typ:
                raise Damage("base %d is of the other type" % cur)
            chain.append(e)
        if chain[-1][1] != 0:
            # base -1 with keep != 0: spec says keep = 0; treat as damage
            raise Damage("root entry with keep %d" % chain[-1][1])
        # build from the root upwards
        t = chain[-1][2]
        for e in reversed(chain[:-1]):
            keep = e[1]
            if keep < 0 or keep > len(t):
                raise Damage("keep %d exceeds base text (%d)" % (keep, len(t)))
            t = t[:keep] + e[2]
        return t


def lost(reason):
    return "…[content lost: %s]" % reason


def resolve_attrs(attrs, cs, store, warnings):
    if not isinstance(attrs, dict):
        return {}
    out = {}
    for k, v in attrs.items():
        if isinstance(v, Ref):
            try:
                if not store:
                    raise Damage("no content store")
                t = cs.text(store, v.n)
                if not isinstance(t, str):
                    raise Damage("entry %d is not a text" % v.n)
                v = t
            except Damage as e:
                warnings.append("content ref %d: %s" % (v.n, e))
                v = lost(str(e))
        out[k] = v
    return out


# ---------------------------------------------------------------- values for JSON
def jsonable(v):
    if isinstance(v, bytes):
        return {"bytes_hex": v.hex()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, msgpack.ExtType):
        return {"ext": v.code, "data_hex": v.data.hex()}
    if isinstance(v, Ref):
        return {"ref": v.n}
    return v


# ---------------------------------------------------------------- spans
def unpack_col(b, fmt, size, count, name, allow_empty=False):
    if allow_empty and (b is None or len(b) == 0):
        return [0] * count
    if not isinstance(b, bytes) or len(b) != size * count:
        raise Damage("column %s has wrong length" % name)
    return list(struct.unpack("<%d%s" % (count, fmt), b))


def decode_spans(off, p, warnings):
    f = p + [None] * max(0, 23 - len(p))
    batch_id, count, base_time, strings, resources, scopes = f[:6]
    if not isinstance(count, int) or count < 0:
        raise Damage("bad count")
    tids, sids, pids = f[6], f[7], f[8]
    for nm, col, sz in (("trace_id", tids, 16), ("span_id", sids, 8), ("parent_span_id", pids, 8)):
        if not isinstance(col, bytes) or len(col) != sz * count:
            raise Damage("column %s has wrong length" % nm)
    start = unpack_col(f[9], "Q", 8, count, "start_time")
    dur = unpack_col(f[10], "Q", 8, count, "duration")
    name = unpack_col(f[11], "I", 4, count, "name")
    kind = unpack_col(f[12], "B", 1, count, "kind")
    status = unpack_col(f[13], "B", 1, count, "status_code")
    flags = unpack_col(f[14], "I", 4, count, "flags")
    res = unpack_col(f[15], "H", 2, count, "resource")
    scp = unpack_col(f[16], "H", 2, count, "scope")
    cat = unpack_col(f[17], "B", 1, count, "category", True)
    model = unpack_col(f[18], "I", 4, count, "model", True)
    itok = unpack_col(f[19], "I", 4, count, "input_tokens", True)
    otok = unpack_col(f[20], "I", 4, count, "output_tokens", True)
    crt = unpack_col(f[21], "I", 4, count, "cache_read_tokens", True)
    rtk = unpack_col(f[22], "I", 4, count, "reasoning_tokens", True)
    if not isinstance(base_time, int) or not (0 <= base_time <= (1 << 63) - 1):
        warnings.append("frame %d: bad base_time" % off)
        base_time = 0
    spans = []
    for i in range(count):
        w = lambda m: warnings.append("frame %d row %d: %s" % (off, i, m))
        if name[i] < len(strings):
            nm = strings[name[i]]
        else:
            nm = "<bad name index %d>" % name[i]; w(nm)
        if model[i] == 0:
            mdl = None
        elif model[i] - 1 < len(strings):
            mdl = strings[model[i] - 1]
        else:
            mdl = "<bad model index %d>" % model[i]; w(mdl)
        if res[i] < len(resources):
            r = resources[res[i]]
            r = {"attributes": r[0], "schema_url": r[1], "dropped_attributes": r[2]}
        else:
            r = {"attributes": {"tracy.bad_resource_index": res[i]}, "schema_url": "",
                 "dropped_attributes": 0}
            w("bad resource index")
        if scp[i] < len(scopes):
            s = scopes[scp[i]]
            s = {"name": s[0], "version": s[1], "schema_url": s[2], "attributes": s[3]}
        else:
            s = {"name": "<bad scope index %d>" % scp[i], "version": "", "schema_url": "",
                 "attributes": {}}
            w("bad scope index")
        k = kind[i] if kind[i] <= 4 else 0
        st = status[i] if status[i] <= 2 else 0
        c = cat[i] if cat[i] <= 7 else 0
        t0 = base_time + start[i]
        t1 = t0 + dur[i]
        if t1 > (1 << 63) - 1:
            w("time overflow")
            t0 = t1 = base_time
        pid = pids[8 * i:8 * i + 8]
        spans.append({
            "trace_id": tids[16 * i:16 * i + 16].hex(),
            "span_id": sids[8 * i:8 * i + 8].hex(),
            "parent_span_id": "" if pid == bytes(8) else pid.hex(),  # FORMAT.md §2.2, field 8
            "name": nm,
            "kind": k,
            "start_time_unix_nano": t0,
            "end_time_unix_nano": t1,
            "status_code": st,
            "status_message": "",
            "flags": flags[i],
            "trace_state": "",
            "category": c,
            "model": mdl,
            "input_tokens": itok[i],
            "output_tokens": otok[i],
            "cache_read_tokens": crt[i],
            "reasoning_tokens": rtk[i],
            "resource": r,
            "scope": s,
            "attributes": {},
            "events": [],
            "links": [],
            "dropped_attributes": 0,
            "dropped_events": 0,
            "dropped_links": 0,
        })
    return batch_id, count, spans


def apply_details(off, p, spans, cs, warnings):
    f = p + [None] * max(0, 10 - len(p))
    _bid, count, attrs, events, links, smsg, tstate, dropped, store, evlists = f[:10]
    store = store or 0
    evlists = evlists or {}
    smsg = smsg or {}
    tstate = tstate or {}
    dropped = dropped or {}
    for i, sp in enumerate(spans):
        sp["attributes"] = resolve_attrs(attrs[i] if i < len(attrs) else {}, cs, store, warnings)
        t0 = sp["start_time_unix_nano"]
        evs = []
        for ev in (events[i] if i < len(events) else []):
            evs.append({"time_unix_nano": t0 + ev[0], "name": ev[1],
                        "attributes": resolve_attrs(ev[2], cs, store, warnings),
                        "dropped_attributes": ev[3] if len(ev) > 3 else 0})
        if i in evlists and not evs:  # FORMAT.md §2.3, field 9
            evs = read_event_list(evlists[i], t0, cs, store, warnings)
        sp["events"] = evs
        lks = []
        for lk in (links[i] if i < len(links) else []):
            lk = lk + [None] * max(0, 6 - len(lk))
            lks.append({"trace_id": lk[0].hex(), "span_id": lk[1].hex(),
                        "trace_state": lk[2] or "", "attributes": lk[3] or {},
                        "dropped_attributes": lk[4] or 0, "flags": lk[5] or 0})
        sp["links"] = lks
    for m, key in ((smsg, "status_message"), (tstate, "trace_state")):
        for r, v in m.items():
            if isinstance(r, int) and 0 <= r < len(spans):
                spans[r][key] = v
    for r, v in dropped.items():
        if isinstance(r, int) and 0 <= r < len(spans):
            spans[r]["dropped_attributes"], spans[r]["dropped_events"], spans[r]["dropped_links"] = v[:3]


def read_event_list(val, t0, cs, store, warnings):
    try:
        ref, times = val[0], val[1]
        if not isinstance(ref, Ref):
            raise Damage("event list without reference")
        if not isinstance(times, bytes) or len(times) % 8:
            raise Damage("bad event times")
        n = len(times) // 8
        if not store:
            raise Damage("no content store")
        blob = cs.text(store, ref.n)
        if not isinstance(blob, bytes):
            raise Damage("event list entry is not bin")
        if n <= 15:
            hdr = bytes([0x90 | n])
        elif n <= 0xFFFF:
            hdr = b"\xdc" + n.to_bytes(2, "big")
        else:
            hdr = b"\xdd" + n.to_bytes(4, "big")
        buf = hdr + blob
        check_budget(buf, len(blob) + HDR)
        items = msgpack.unpackb(buf, raw=False, strict_map_key=False, ext_hook=ext_hook)
        if len(items) != n:
            raise Damage("event count mismatch")
        deltas = struct.unpack("<%dq" % n, times)
        out = []
        t = t0
        for (d, it) in zip(deltas, items):
            t += d
            it = it + [None] * max(0, 3 - len(it))
            out.append({"time_unix_nano": t, "name": it[0],
                        "attributes": resolve_attrs(it[1] or {}, cs, store, warnings),
                        "dropped_attributes": it[2] or 0})
        return out
    except Damage as e:
        warnings.append("event list: %s" % e)
        return [{"time_unix_nano": t0, "name": lost(str(e)), "attributes": {},
                 "dropped_attributes": 0}]
    except Exception as e:
        warnings.append("event list: %s" % e)
        return [{"time_unix_nano": t0, "name": lost(str(e)), "attributes": {},
                 "dropped_attributes": 0}]


def read_file(path):
    with open(path, "rb") as f:
        data = f.read()
    warnings = []
    frames = list(walk_frames(data, warnings))
    cs = ContentStore(data)
    for off, h, payload in frames:
        if h["kind"] == KIND_CONTENT:
            cs.add_frame(off, h, payload)
    out_spans, feedback, file_infos = [], [], []
    pending = None  # (batch_id, count, spans, offset)

    def flush():
        nonlocal pending
        if pending:
            out_spans.extend(pending[2])
        pending = None

    for off, h, payload in frames:
        kind = h["kind"]
        if kind == KIND_CONTENT:
            continue
        if kind not in (KIND_FILE_INFO, KIND_SPANS, KIND_DETAILS, KIND_FEEDBACK, KIND_INDEX):
            continue
        try:
            raw = frame_raw(h, payload)
            p = decode_payload(raw, HDR + h["stored"])
        except Damage as e:
            warnings.append("frame %d: %s" % (off, e)); continue
        except Exception as e:
            warnings.append("frame %d undecodable: %s" % (off, e)); continue
        try:
            if kind == KIND_SPANS:
                flush()
                bid, cnt, spans = decode_spans(off, p, warnings)
                pending = (bid, cnt, spans, off)
            elif kind == KIND_DETAILS:
                if pending and pending[0] == p[0]:
                    if p[1] == pending[1]:
                        apply_details(off, p, pending[2], cs, warnings)
                    else:
                        warnings.append("frame %d: details count mismatch" % off)
                    flush()
                else:
                    warnings.append("frame %d: details without spans" % off)
            elif kind == KIND_FILE_INFO:
                file_infos.append(p[:5])
            elif kind == KIND_FEEDBACK:
                feedback.extend(p[0])
        except Damage as e:
            warnings.append("frame %d: %s" % (off, e))
        except Exception as e:
            warnings.append("frame %d malformed: %s" % (off, e))
    flush()
    fb_records = []
    for rec in feedback:
        rec = list(rec) + [None] * max(0, 9 - len(rec))
        fb_records.append(dict(zip(("time_unix_nano", "trace_id", "span_id", "response_id",
                                    "score", "label", "comment", "evaluator", "metadata"), rec[:9])))
    for sp in out_spans:
        sp["feedback"] = []
    for j, rec in enumerate(fb_records):
        k = judged_span(rec, out_spans)
        if k is not None:
            out_spans[k]["feedback"].append(j)
    major, minor = struct.unpack("<HH", data[10:14]) if len(data) >= 14 else (None, None)
    return {"version": [major, minor], "file_info": file_infos, "spans": out_spans,
            "feedback": fb_records, "warnings": warnings}


def judged_span(rec, spans):
    """§2.4: span_id, then gen_ai.response.id, then root of trace_id; last written wins."""
    sid = (rec.get("span_id") or "").lower()
    if sid:
        for k in range(len(spans) - 1, -1, -1):
            if spans[k]["span_id"] == sid:
                return k
    rid = rec.get("response_id") or ""
    if rid:
        for k in range(len(spans) - 1, -1, -1):
            if spans[k]["attributes"].get("gen_ai.response.id") == rid:
                return k
    tid = (rec.get("trace_id") or "").lower()
    if tid:
        for k in range(len(spans) - 1, -1, -1):
            if spans[k]["trace_id"] == tid and not spans[k]["parent_span_id"]:
                return k
    return None

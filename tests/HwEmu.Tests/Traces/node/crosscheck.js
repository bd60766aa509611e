#!/usr/bin/env node
// Independent cross-check of HwEmu's MessagePack codec and trace framing, run by HwEmu.Tests.Traces.NodeCrossCheckTests.
//   node crosscheck.js suite            -> JSON array of every msgpack-test-suite case, values normalised
//   node crosscheck.js decode <file>    -> one JSON line per record of an HwEmu trace, decoded by @msgpack/msgpack
//   node crosscheck.js bench <file> <n> -> JSON {records, seconds}: n full decodes of the file's records
// Normalised values: null, true/false, "i:<decimal>", "f:<hex of float64 bits>", "s:<text>", "b:<hex>",
// "t:<sec>:<nsec>", "e:<type>:<hex>", arrays, {"map": [[key, value], ...]}.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const { decodeMulti, ExtensionCodec, ExtData, decodeTimestampToTimeSpec } = require('@msgpack/msgpack');

const hex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('hex');
const floatBits = (x) => { const b = Buffer.alloc(8); b.writeDoubleBE(x); return b.toString('hex'); };

class Timestamp { constructor(sec, nsec) { this.sec = sec; this.nsec = nsec; } }
const extensionCodec = new ExtensionCodec();
extensionCodec.register({
  type: -1,
  encode: () => null,
  decode: (data) => { const t = decodeTimestampToTimeSpec(data); return new Timestamp(t.sec, t.nsec); },
});

function norm(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return 'i:' + v.toString();
  if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) ? 'i:' + BigInt(v).toString() : 'f:' + floatBits(v);
  if (typeof v === 'string') return 's:' + v;
  if (v instanceof Uint8Array) return 'b:' + hex(v);
  if (v instanceof Timestamp) return 't:' + v.sec + ':' + v.nsec;
  if (v instanceof ExtData) return 'e:' + v.type + ':' + hex(v.data);
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof Map) return { map: [...v.entries()].map(([k, x]) => [norm(k), norm(x)]) };
  if (typeof v === 'object') return { map: Object.entries(v).map(([k, x]) => [norm(k), norm(x)]) };
  throw new Error('unexpected value ' + typeof v);
}

// The suite's typed JSON values, normalised the same way (plain JSON numbers are integers there).
function normSuite(kind, v) {
  switch (kind) {
    case 'nil': return null;
    case 'bool': return v;
    case 'binary': return 'b:' + v.replace(/-/g, '');
    case 'number': return Number.isInteger(v) ? 'i:' + BigInt(v).toString() : 'f:' + floatBits(v);
    case 'bignum': return 'i:' + v;
    case 'string': return 's:' + v;
    case 'timestamp': return 't:' + v[0] + ':' + v[1];
    case 'ext': return 'e:' + v[0] + ':' + v[1].replace(/-/g, '');
    case 'array': return v.map((x) => normPlain(x));
    case 'map': return normPlain(v);
    default: throw new Error('unknown kind ' + kind);
  }
}
function normPlain(x) {
  if (x === null) return null;
  if (typeof x === 'number') return normSuite('number', x);
  if (typeof x === 'string') return 's:' + x;
  if (typeof x === 'boolean') return x;
  if (Array.isArray(x)) return x.map(normPlain);
  return { map: Object.entries(x).map(([k, y]) => ['s:' + k, normPlain(y)]) };
}

function suite() {
  const s = require('msgpack-test-suite/dist/msgpack-test-suite.json');
  const out = [];
  for (const group of Object.keys(s)) {
    s[group].forEach((exam, index) => {
      // Each exam has one typed value (bignum wins over its lossy "number" twin) and its acceptable encodings.
      const kind = ['bignum', 'nil', 'bool', 'binary', 'number', 'string', 'array', 'map', 'timestamp', 'ext']
        .find((k) => Object.prototype.hasOwnProperty.call(exam, k));
      const number = kind === 'number' ? String(exam.number) : kind === 'bignum' ? exam.bignum : null;
      out.push({ group, index, kind, number, expect: normSuite(kind, exam[kind]), msgpack: exam.msgpack.map((h) => h.replace(/-/g, '')) });
    });
  }
  process.stdout.write(JSON.stringify(out));
}

// CRC-32C (Castagnoli), bitwise table; independent of the C# implementation.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; t[n] = c >>> 0; }
  return t;
})();
function crc32c(crc, buf) {
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// Returns the concatenated record payloads of an HwEmu trace after checking preamble, frames and CRCs.
function payloads(file) {
  const raw = fs.readFileSync(file);
  if (raw.subarray(0, 8).toString('latin1') !== 'HWEMUTRC') throw new Error('bad magic');
  const version = raw.readUInt16LE(8);
  if (version !== 1) throw new Error('unsupported version ' + version);
  const compression = raw[10];
  let blocks = raw.subarray(12);
  if (compression === 1) blocks = zlib.gunzipSync(blocks);
  else if (compression === 2) blocks = zlib.brotliDecompressSync(blocks);
  else if (compression !== 0) throw new Error('unknown compression ' + compression);
  const parts = [];
  let p = 0, records = 0n;
  while (p < blocks.length) {
    if (blocks.readUInt32LE(p) !== 0x4b425748) throw new Error('bad sync at ' + (p + 12));
    const len = blocks.readUInt32LE(p + 4);
    const count = blocks.readUInt32LE(p + 8);
    const first = blocks.readBigUInt64LE(p + 12);
    const stored = blocks.readUInt32LE(p + 20);
    if (first !== records) throw new Error('block starts at record ' + first + ', expected ' + records);
    const payload = blocks.subarray(p + 24, p + 24 + len);
    const crc = crc32c(crc32c(0, blocks.subarray(p + 4, p + 20)), payload);
    if (crc !== stored) throw new Error('CRC mismatch at ' + (p + 12));
    parts.push(payload);
    records += BigInt(count);
    p += 24 + len;
  }
  return { bytes: Buffer.concat(parts), records };
}

function decode(file) {
  const { bytes, records } = payloads(file);
  const lines = [];
  let n = 0n;
  for (const rec of decodeMulti(bytes, { useBigInt64: true, extensionCodec })) {
    lines.push(JSON.stringify(norm(rec)));
    n++;
  }
  if (n !== records) throw new Error('frames declare ' + records + ' records, decoded ' + n);
  process.stdout.write(lines.join('\n') + '\n');
}

function bench(file, passes) {
  const { bytes } = payloads(file);
  let records = 0;
  let sum = 0n;
  const start = process.hrtime.bigint();
  for (let i = 0; i < passes; i++) {
    for (const rec of decodeMulti(bytes, { useBigInt64: true })) {
      records++;
      if (rec[0] === 2) sum += BigInt(rec[6]);
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({ records, seconds, checksum: sum.toString() }) + '\n');
}

const [mode, file, arg] = process.argv.slice(2);
if (mode === 'suite') suite();
else if (mode === 'decode') decode(file);
else if (mode === 'bench') bench(file, Number(arg || 1));
else { process.stderr.write('usage: crosscheck.js suite | decode <file> | bench <file> <passes>\n'); process.exit(2); }

using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HwEmu.Traces;
using HwEmu.Traces.Format;
using HwEmu.Traces.MessagePack;
using HwEmu.Traces.Recording;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

/// <summary>
/// Cross-checks against independent JavaScript: every msgpack-test-suite case must decode with our reader to its
/// listed value and encode with our writer to one of its listed encodings; trace files we write must decode with
/// @msgpack/msgpack (decodeMulti, useBigInt64, framing and CRC-32C re-implemented in JS) to the values our reader
/// sees. Runs node from tests/HwEmu.Tests/Traces/node, installing the pinned packages when missing.
/// </summary>
[NonParallelizable]
public class NodeCrossCheckTests
{
    private static readonly object InstallLock = new();

    internal static string NodeDirectory()
    {
        string? dir = TestContext.CurrentContext.TestDirectory;
        while (dir is not null)
        {
            string candidate = Path.Combine(dir, "tests", "HwEmu.Tests", "Traces", "node");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
            dir = Path.GetDirectoryName(dir);
        }
        Assert.Fail("tests/HwEmu.Tests/Traces/node/package.json not found above " + TestContext.CurrentContext.TestDirectory);
        return "";
    }

    internal static string RunNode(params string[] args)
    {
        string dir = NodeDirectory();
        lock (InstallLock)
        {
            if (!File.Exists(Path.Combine(dir, "node_modules", "@msgpack", "msgpack", "package.json")) ||
                !File.Exists(Path.Combine(dir, "node_modules", "msgpack-test-suite", "package.json")))
            {
                Run("npm", dir, ["install", "--no-audit", "--no-fund"], 300_000);
            }
        }
        return Run("node", dir, ["crosscheck.js", .. args], 300_000);
    }

    private static string Run(string program, string dir, string[] args, int timeoutMs)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"'{program}' is required for the MessagePack cross-check and could not be started: {e.Message}");
            throw;
        }
        using (p)
        {
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeoutMs))
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"{program} {string.Join(' ', args)} timed out");
            }
            string err = stderr.Result;
            Assert.That(p.ExitCode, Is.EqualTo(0), $"{program} {string.Join(' ', args)} failed: {err}");
            return stdout.Result;
        }
    }

    [Test]
    public void EveryMsgpackTestSuiteCaseDecodesAndEncodesAsListed()
    {
        JsonArray cases = JsonNode.Parse(RunNode("suite"))!.AsArray();
        Assert.That(cases, Has.Count.EqualTo(85));
        int decoded = 0;
        foreach (JsonNode? c in cases)
        {
            string name = $"{c!["group"]}#{c["index"]}";
            string kind = c["kind"]!.GetValue<string>();
            JsonNode? expect = c["expect"];
            string expectJson = Canonical(expect);
            string? number = c["number"]?.GetValue<string>();
            List<string> encodings = c["msgpack"]!.AsArray().Select(h => h!.GetValue<string>()).ToList();
            foreach (string hex in encodings)
            {
                byte[] bytes = Convert.FromHexString(hex);
                var r = new MessagePackReader(bytes);
                JsonNode? got = MsgNormalizer.Normalize(ref r);
                Assert.That(r.End, Is.True, $"{name}: {hex} has trailing bytes");
                string gotJson = Canonical(got);
                if (number is not null && gotJson.StartsWith("\"f:", StringComparison.Ordinal))
                {
                    double d = BitConverter.UInt64BitsToDouble(ulong.Parse(gotJson[3..^1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    Assert.That(d, Is.EqualTo(double.Parse(number, CultureInfo.InvariantCulture)), $"{name}: {hex}");
                }
                else
                {
                    Assert.That(gotJson, Is.EqualTo(expectJson), $"{name}: {hex}");
                }
                decoded++;
            }
            var buffer = new ArrayBufferWriter<byte>();
            var w = new MessagePackWriter(buffer);
            MsgNormalizer.Encode(ref w, expect);
            w.Flush();
            string ours = Convert.ToHexString(buffer.WrittenSpan).ToLowerInvariant();
            Assert.That(encodings, Does.Contain(ours), $"{name} ({kind}): our encoding {ours} is not listed");
        }
        TestContext.Out.WriteLine($"{cases.Count} cases, {decoded} encodings decoded");
    }

    [TestCase(TraceCompression.None)]
    [TestCase(TraceCompression.GZip)]
    [TestCase(TraceCompression.Brotli)]
    public void FilesWeWriteDecodeWithMsgpackJsToTheSameValues(TraceCompression compression)
    {
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"crosscheck-{compression}.hwtrace");
        var ms = new MemoryStream();
        using (var writer = new TraceWriter(ms, SampleTrace.Header, new TraceWriterOptions { BlockSize = 400, Compression = compression }, leaveOpen: true))
        {
            for (long i = 0; i < 300; i++)
            {
                SampleTrace.AppendRecord(i, a => a.WriteTo(writer));
                if (i % 50 == 0)
                {
                    writer.AppendRaw(EveryFamilyRecord());
                }
            }
        }
        File.WriteAllBytes(path, ms.ToArray());
        string[] jsLines = RunNode("decode", path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var ours = new List<string>();
        using (var reader = TraceReader.Open(path))
        {
            // Record 0 (the header) was consumed by the constructor; re-read it from the file's first block.
            byte[] file = ms.ToArray();
            byte[] raw = compression == TraceCompression.None ? file : null!;
            if (raw is not null)
            {
                var hr = new MessagePackReader(raw.AsSpan(36));
                ours.Add(Canonical(MsgNormalizer.Normalize(ref hr)));
            }
            while (reader.TryReadNext(out TraceRecord rec))
            {
                MessagePackReader r = rec.CreateReader();
                ours.Add(Canonical(MsgNormalizer.Normalize(ref r)));
            }
        }
        Assert.That(jsLines, Has.Length.EqualTo(300 + 6 + 1));
        string[] js = jsLines.Select(l => Canonical(JsonNode.Parse(l))).ToArray();
        if (compression != TraceCompression.None)
        {
            js = js[1..];
        }
        Assert.That(ours, Is.EqualTo(js));
        Assert.That(js.Any(l => l.Contains("\"t:-1:999999999\"", StringComparison.Ordinal)), Is.True);
        Assert.That(js.Any(l => l.Contains("\"i:18446744073709551615\"", StringComparison.Ordinal)), Is.True);
    }

    /// <summary>A record of unknown type 200 holding every MessagePack format family our writer produces.</summary>
    internal static byte[] EveryFamilyRecord()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteArrayHeader(39);
        w.Write(200u);
        w.Write(12345UL);
        w.WriteNil();
        w.Write(true);
        w.Write(false);
        w.Write(127UL);
        w.Write(255UL);
        w.Write(65535UL);
        w.Write(uint.MaxValue);
        w.Write(ulong.MaxValue);
        w.Write(-1L);
        w.Write(-33L);
        w.Write(-32769L);
        w.Write(long.MinValue);
        w.Write(1.5f);
        w.Write(-2.25);
        w.WriteString("fix");
        w.WriteString(new string('a', 40));
        w.WriteString(new string('é', 200));
        w.WriteString("🍺 ❤ 漢字");
        w.WriteBinary([1, 2, 3]);
        w.WriteBinary(new byte[300]);
        w.WriteArrayHeader(16);
        for (int i = 0; i < 16; i++)
        {
            w.Write(i);
        }
        w.WriteMapHeader(17);
        for (int i = 0; i < 17; i++)
        {
            w.WriteString("k" + i.ToString(CultureInfo.InvariantCulture));
            w.Write(i * 1000);
        }
        w.WriteExtension(1, [0x10]);
        w.WriteExtension(2, [0x20, 0x21]);
        w.WriteExtension(3, [0x30, 0x31, 0x32, 0x33]);
        w.WriteExtension(4, new byte[8]);
        w.WriteExtension(5, new byte[16]);
        w.WriteExtension(6, []);
        w.WriteExtension(7, [1, 2, 3]);
        w.WriteExtension(8, new byte[256]);
        w.WriteTimestamp(1514862245, 0);
        w.WriteTimestamp(1514862245, 678901234);
        w.WriteTimestamp(-1, 999999999);
        w.WriteTimestamp(253402300799, 999999999);
        w.WriteArrayHeader(1);
        w.WriteMapHeader(0);
        w.WriteArrayHeader(0);
        w.WriteString("");
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static readonly JsonSerializerOptions CanonicalOptions = new() { WriteIndented = false };

    internal static string Canonical(JsonNode? node) => node is null ? "null" : node.ToJsonString(CanonicalOptions);
}

/// <summary>Renders any MessagePack value in the normalised JSON form crosscheck.js prints, and back.</summary>
internal static class MsgNormalizer
{
    public static JsonNode? Normalize(ref MessagePackReader r, int depth = 0)
    {
        if (depth > 64)
        {
            throw new MessagePackFormatException(r.Offset, "too deep");
        }
        switch (r.NextType)
        {
            case MessagePackType.Nil:
                r.ReadNil();
                return null;
            case MessagePackType.Boolean:
                return JsonValue.Create(r.ReadBoolean());
            case MessagePackType.Integer:
                byte c = r.NextCode;
                bool unsigned = c <= MessagePackCode.MaxFixInt || (c >= MessagePackCode.UInt8 && c <= MessagePackCode.UInt64);
                if (unsigned)
                {
                    return JsonValue.Create("i:" + r.ReadUInt64().ToString(CultureInfo.InvariantCulture));
                }
                return JsonValue.Create("i:" + r.ReadInt64().ToString(CultureInfo.InvariantCulture));
            case MessagePackType.Float:
                double d = r.ReadDouble();
                if (d == Math.Floor(d) && !double.IsInfinity(d) && !(d == 0 && double.IsNegative(d)))
                {
                    return JsonValue.Create("i:" + new System.Numerics.BigInteger(d).ToString(CultureInfo.InvariantCulture));
                }
                return JsonValue.Create("f:" + BitConverter.DoubleToUInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture));
            case MessagePackType.String:
                return JsonValue.Create("s:" + r.ReadString());
            case MessagePackType.Binary:
                return JsonValue.Create("b:" + Convert.ToHexString(r.ReadBinary()).ToLowerInvariant());
            case MessagePackType.Extension:
                int start = r.Position;
                ExtensionHeader h = r.ReadExtensionHeader();
                r.Position = start;
                if (h.Type == MessagePackCode.TimestampType)
                {
                    r.ReadTimestamp(out long sec, out uint ns);
                    return JsonValue.Create($"t:{sec}:{ns}");
                }
                ReadOnlySpan<byte> data = r.ReadExtension(out sbyte type);
                return JsonValue.Create($"e:{type}:{Convert.ToHexString(data).ToLowerInvariant()}");
            case MessagePackType.Array:
                int n = r.ReadArrayHeader();
                var arr = new JsonArray();
                for (int i = 0; i < n; i++)
                {
                    arr.Add(Normalize(ref r, depth + 1));
                }
                return arr;
            case MessagePackType.Map:
                int pairs = r.ReadMapHeader();
                var list = new JsonArray();
                for (int i = 0; i < pairs; i++)
                {
                    JsonNode? k = Normalize(ref r, depth + 1);
                    JsonNode? v = Normalize(ref r, depth + 1);
                    list.Add(new JsonArray(k, v));
                }
                return new JsonObject { ["map"] = list };
            default:
                r.Skip();
                return null;
        }
    }

    public static void Encode(ref MessagePackWriter w, JsonNode? node)
    {
        switch (node)
        {
            case null:
                w.WriteNil();
                return;
            case JsonArray a:
                w.WriteArrayHeader((uint)a.Count);
                foreach (JsonNode? x in a)
                {
                    Encode(ref w, x);
                }
                return;
            case JsonObject o:
                JsonArray pairs = o["map"]!.AsArray();
                w.WriteMapHeader((uint)pairs.Count);
                foreach (JsonNode? p in pairs)
                {
                    Encode(ref w, p![0]);
                    Encode(ref w, p[1]);
                }
                return;
        }
        JsonValue v = node.AsValue();
        if (v.TryGetValue(out bool b))
        {
            w.Write(b);
            return;
        }
        string s = v.GetValue<string>();
        string body = s[2..];
        switch (s[0])
        {
            case 'i':
                if (body.StartsWith('-'))
                {
                    w.Write(long.Parse(body, CultureInfo.InvariantCulture));
                }
                else
                {
                    w.Write(ulong.Parse(body, CultureInfo.InvariantCulture));
                }
                return;
            case 'f':
                w.Write(BitConverter.UInt64BitsToDouble(ulong.Parse(body, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
                return;
            case 's':
                w.WriteString(body);
                return;
            case 'b':
                w.WriteBinary(Convert.FromHexString(body));
                return;
            case 't':
                string[] t = body.Split(':');
                w.WriteTimestamp(long.Parse(t[0], CultureInfo.InvariantCulture), uint.Parse(t[1], CultureInfo.InvariantCulture));
                return;
            default:
                string[] e = body.Split(':');
                w.WriteExtension(sbyte.Parse(e[0], CultureInfo.InvariantCulture), Convert.FromHexString(e[1]));
                return;
        }
    }
}

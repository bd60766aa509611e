using HwEmu.Traces.Format;
using HwEmu.Traces.Qemu;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

/// <summary>
/// The capture's log rewritten into the other spellings QEMU has used (prefixes, %d StreamIDs, renamed and
/// extended events): every variant still imports to a trace whose replay matches QEMU everywhere.
/// </summary>
public class CaptureFormatVariantTests
{
    private static readonly System.Text.RegularExpressions.Regex Prefix = new(@"^(\d+)@(\d+)\.(\d{6}):", System.Text.RegularExpressions.RegexOptions.Compiled);
    private static readonly System.Text.RegularExpressions.Regex HexSid = new(@"sid=0x([0-9a-f]+)", System.Text.RegularExpressions.RegexOptions.Compiled);

    private static string Iso(System.Text.RegularExpressions.Match m, bool tid)
    {
        var t = DateTime.UnixEpoch.AddSeconds(long.Parse(m.Groups[2].Value)).AddTicks(long.Parse(m.Groups[3].Value) * 10);
        return t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z' ", System.Globalization.CultureInfo.InvariantCulture) + (tid ? $"({m.Groups[1].Value}) " : "");
    }

    private static string Rewrite(string line, string variant) => variant switch
    {
        "no-prefix" => Prefix.Replace(line, ""),
        "iso" => Prefix.Replace(line, m => Iso(m, tid: false)),
        "iso-tid" => Prefix.Replace(line, m => Iso(m, tid: true)),
        // QEMU before 6.x printed StreamIDs with %d.
        "decimal-sid" => line.Contains("translate_success", StringComparison.Ordinal)
            ? HexSid.Replace(line, m => "sid=" + Convert.ToUInt32(m.Groups[1].Value, 16).ToString(System.Globalization.CultureInfo.InvariantCulture))
            : line,
        // QEMU 9.x: range invalidation and translate_success carry the stage; IOTLB lookups the VMID.
        "qemu9" => line.Replace(":smmuv3_s1_range_inval ", ":smmuv3_range_inval ", StringComparison.Ordinal) is var l && l.Contains(":smmuv3_range_inval ", StringComparison.Ordinal)
            ? l + " stage=1"
            : l.Contains(":smmuv3_translate_success ", StringComparison.Ordinal) ? l + " stage=1" : l,
        "crlf" => line + "\r",
        _ => line,
    };

    [TestCase("no-prefix")]
    [TestCase("iso")]
    [TestCase("iso-tid")]
    [TestCase("decimal-sid")]
    [TestCase("qemu9")]
    [TestCase("crlf")]
    public void EveryVariantReplaysWithoutAMismatch(string variant)
    {
        string log = string.Join('\n', CaptureFiles.LogLines().Select(l => Rewrite(l, variant)));
        var ms = new MemoryStream();
        var platform = new QemuVirtPlatform();
        QemuImportStatistics stats;
        using (var w = new HwEmu.Traces.Recording.TraceWriter(ms, new TraceHeader { Platform = platform.Describe() }, leaveOpen: true))
        using (var ram = new System.IO.Compression.GZipStream(File.OpenRead(CaptureFiles.Ram), System.IO.Compression.CompressionMode.Decompress))
        {
            stats = QemuLogImporter.Import(new StringReader(log), ram, platform, w);
        }
        Assert.That((stats.Translations, stats.Msis, stats.SmmuCommands, stats.ItsCommands), Is.EqualTo((1849L, 92L, 582L, 41L)));
        var r = CaptureReplayTests.Replay(ms.ToArray());
        Assert.That((r.Translations.Matched, r.Msis.Matched, r.MismatchCount), Is.EqualTo((1849L, 92L, 0L)), string.Join("\n", r.Mismatches));
    }
}

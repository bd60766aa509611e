using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using HwEmu.Traces.Replay;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

/// <summary>Verification reports exactly the records whose expectation differs, and bad traces are bad input.</summary>
public class ReplayVerificationTests
{
    /// <summary>Copies the capture trace, letting <paramref name="edit"/> replace records (return false to keep one as is).</summary>
    private static byte[] Rewrite(Func<TraceRecord, TraceWriter, bool> edit)
    {
        using var reader = new TraceReader(new MemoryStream(CaptureFiles.Trace()));
        var ms = new MemoryStream();
        using (var w = new TraceWriter(ms, reader.Header, leaveOpen: true))
        {
            while (reader.TryReadNext(out var rec))
            {
                if (!edit(rec, w)) w.AppendRaw(rec.Bytes);
            }
        }
        return ms.ToArray();
    }

    [Test]
    public void AChangedTranslationExpectationIsTheOnlyMismatchAndNamesItsRecord()
    {
        long tampered = -1;
        int seen = 0;
        byte[] trace = Rewrite((rec, w) =>
        {
            if (!rec.TryRead(out TranslationRecord t) || ++seen != 700) return false;
            tampered = rec.Index;
            w.Append(t with { OutputAddress = t.OutputAddress ^ 0x1000 });
            return true;
        });
        var r = CaptureReplayTests.Replay(trace);
        Assert.That((r.Translations.Matched, r.Translations.Mismatched, r.Msis.Mismatched), Is.EqualTo((1848L, 1L, 0L)));
        Assert.That(r.Mismatches, Has.Count.EqualTo(1));
        Assert.That(r.Mismatches[0].Record, Is.EqualTo(tampered));
        Assert.That(r.Mismatches[0].Kind, Is.EqualTo("translation"));
        Assert.That(r.Mismatches[0].Detail, Does.Match("^sid 0x[0-9a-f]+ iova 0x[0-9a-f]+ (read|write): expected PA 0x[0-9a-f]+ r[-w], got PA 0x[0-9a-f]+ r[-w]$"));
    }

    [Test]
    public void AChangedPermissionIsAMismatch()
    {
        int seen = 0;
        byte[] trace = Rewrite((rec, w) =>
        {
            if (!rec.TryRead(out TranslationRecord t) || ++seen != 3) return false;
            w.Append(t with { Permissions = AccessPermissions.Read });
            return true;
        });
        var r = CaptureReplayTests.Replay(trace);
        Assert.That(r.Translations.Mismatched, Is.EqualTo(1));
        Assert.That(r.Mismatches[0].Detail, Is.EqualTo("sid 0x8 iova 0xffffe000 read: expected PA 0x432d8000 r-, got PA 0x432d8000 rw"));
    }

    [Test]
    public void AChangedLpiOrAMissingDeliveryIsAnMsiMismatch()
    {
        int seen = 0;
        long changed = -1;
        byte[] trace = Rewrite((rec, w) =>
        {
            if (!rec.TryRead(out InterruptDeliveredRecord i)) return false;
            seen++;
            if (seen == 10)
            {
                changed = rec.Index;
                w.Append(i with { IntId = i.IntId + 1 });
                return true;
            }
            return seen == 20; // dropped: the MSI is then expected to be dropped
        });
        var r = CaptureReplayTests.Replay(trace);
        Assert.That((r.Msis.Replayed, r.Msis.Matched, r.Msis.Mismatched, r.Translations.Mismatched), Is.EqualTo((92L, 90L, 2L, 0L)));
        Assert.That(r.Mismatches[0].Record, Is.EqualTo(changed));
        Assert.That(r.Mismatches[0].Detail, Does.Match("^DeviceID 0x[0-9a-f]+ EventID 0x[0-9a-f]+: expected LPI 0x[0-9a-f]+ on CPU 0, got LPI 0x[0-9a-f]+ on CPU 0$"));
        Assert.That(r.Mismatches[1].Detail, Does.EndWith("expected dropped, got LPI 0x2001 on CPU 0").Or.EndWith("expected dropped, got LPI 0x2000 on CPU 0").Or.EndWith("expected dropped, got LPI 0x2003 on CPU 0"));
    }

    [Test]
    public void AnExpectedFaultThatTranslatesIsAMismatchAndOnlyTwentyAreListed()
    {
        byte[] trace = Rewrite((rec, w) =>
        {
            if (!rec.TryRead(out TranslationRecord t)) return false;
            w.Append(new TranslationFaultRecord(t.Time, t.TransactionId, t.StreamId, 0, false, t.InputAddress, 0x10, FaultAction.Terminated, 0, true, 0, 0, 0, 0));
            return true;
        });
        var r = CaptureReplayTests.Replay(trace);
        Assert.That((r.Translations.Matched, r.Translations.Mismatched), Is.EqualTo((0L, 1849L)));
        Assert.That(r.Mismatches, Has.Count.EqualTo(20));
        Assert.That(r.Mismatches[0].Detail, Does.Contain("expected fault F_TRANSLATION, got PA 0x"));
        var text = new StringWriter();
        r.WriteVerification(text);
        Assert.That(text.ToString(), Does.Contain("first 20 of 1849 mismatches:"));
    }

    [Test]
    public void ATruncatedTraceReplaysEveryCompleteRecord()
    {
        byte[] full = CaptureFiles.Trace();
        byte[] cut = full.AsSpan(0, full.Length * 2 / 3).ToArray();
        using var reader = new TraceReader(new MemoryStream(cut));
        var script = ReplayScript.Load(reader);
        Assert.That(script.Truncated, Is.True);
        var r = ReplayEngine.Run(script, ReplayMachine.Build(script.Header));
        Assert.That(r.Truncated, Is.True);
        var info = TraceInfo.Read(new TraceReader(new MemoryStream(cut)));
        Assert.That(r.Translations.Replayed, Is.EqualTo(info.CountsByType[(ushort)TraceRecordType.DmaIssued]).And.InRange(500, 1848));
        Assert.That(r.Translations.Mismatched + r.Msis.Mismatched, Is.EqualTo(0), "a cut after a DMA may leave it unverified, never wrong");
        Assert.That(r.Translations.Matched + r.Translations.Unverified, Is.EqualTo(r.Translations.Replayed));
    }

    [Test]
    public void AnUnknownPlatformIsAReplayError()
    {
        var ms = new MemoryStream();
        using (new TraceWriter(ms, new TraceHeader { Platform = "juno-r2" }, leaveOpen: true)) { }
        var script = ReplayScript.Load(new TraceReader(new MemoryStream(ms.ToArray())));
        var ex = Assert.Throws<ReplayException>(() => ReplayMachine.Build(script.Header));
        Assert.That(ex!.Message, Is.EqualTo("the trace's platform \"juno-r2\" is not one replay can rebuild (supported: qemu-virt, or a scenario recorded by hwemu run)"));
        ex = Assert.Throws<ReplayException>(() => ReplayMachine.Build("qemu-virt cpus=0"));
        Assert.That(ex!.Message, Is.EqualTo("platform \"qemu-virt cpus=0\": bad value for cpus: \"0\""));
    }

    [Test]
    public void MutatedTracesNeverCrashTheReplay()
    {
        // The first ~40% of the capture (setup, walks, MSIs) keeps each iteration short.
        byte[] full = CaptureFiles.Trace();
        byte[] baseFile = full.AsSpan(0, full.Length * 2 / 5).ToArray();
        var rng = new Random(2026_11_23);
        int formatErrors = 0, replayed = 0;
        for (int i = 0; i < 1500; i++)
        {
            byte[] f = (byte[])baseFile.Clone();
            for (int m = 1 + rng.Next(3); m > 0; m--)
            {
                int at = 12 + rng.Next(f.Length - 12);
                f[at] = rng.Next(3) == 0 ? (byte)rng.Next(256) : (byte)(f[at] ^ (1 << rng.Next(8)));
            }
            if ((i & 1) == 0) TraceBadInputTests.FixCrcs(f); // reach the record decoders and the models
            try
            {
                using var reader = new TraceReader(new MemoryStream(f));
                var script = ReplayScript.Load(reader);
                ReplayEngine.Run(script, ReplayMachine.Build(script.Header));
                replayed++;
            }
            catch (TraceFormatException)
            {
                formatErrors++;
            }
            catch (ReplayException)
            {
                formatErrors++;
            }
        }
        Assert.That(formatErrors, Is.GreaterThan(100));
        Assert.That(replayed, Is.GreaterThan(100));
    }
}

using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using HwEmu.Traces.Replay;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

public class ReplayAllocationTests
{
    /// <summary>The capture with <paramref name="extra"/> more DMAs (each DmaIssued + Translation) repeating its 1000th
    /// translation right after it (at the end of the capture Linux has turned the SMMU off).</summary>
    private static ReplayScript CaptureWith(int extra)
    {
        using var reader = new TraceReader(new MemoryStream(CaptureFiles.Trace()));
        var ms = new MemoryStream();
        DmaIssuedRecord lastDma = default;
        int translations = 0;
        using (var w = new TraceWriter(ms, reader.Header, leaveOpen: true))
        {
            while (reader.TryReadNext(out var rec))
            {
                w.AppendRaw(rec.Bytes);
                if (rec.TryRead(out DmaIssuedRecord d)) lastDma = d;
                if (!rec.TryRead(out TranslationRecord t) || ++translations != 1000) continue;
                for (int i = 0; i < extra; i++)
                {
                    // 100 ns apart, so each DMA's DRAM access is booked before the next one arrives.
                    ulong txn = 1_000_000 + (ulong)i, time = t.Time + (ulong)(i + 1) * 100_000;
                    w.Append(lastDma with { TransactionId = txn, Time = time });
                    w.Append(t with { TransactionId = txn, Time = time });
                }
            }
        }
        return ReplayScript.Load(new TraceReader(new MemoryStream(ms.ToArray())));
    }

    private static long AllocatedByReplay(ReplayScript script)
    {
        var machine = ReplayMachine.Build(script.Header);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = ReplayEngine.Run(script, machine);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(r.MismatchCount, Is.EqualTo(0), string.Join("\n", r.Mismatches.Take(3)));
        return allocated;
    }

    [Test]
    public void ReplayedTranslationsAllocateNothing()
    {
        ReplayScript small = CaptureWith(1_000), large = CaptureWith(21_000);
        AllocatedByReplay(small); // warm up (JIT, static tables)
        long a = AllocatedByReplay(small), b = AllocatedByReplay(large);
        // One object per translation would be at least 24 B × 20 000 = 480 KB; a few stray bytes (a resize, a work
        // item of another component) are not per translation.
        Assert.That(b - a, Is.LessThan(64 << 10), $"20 000 more translations allocated {b - a} bytes");
    }
}

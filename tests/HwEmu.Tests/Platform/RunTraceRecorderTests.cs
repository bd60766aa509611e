using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using NUnit.Framework;

namespace HwEmu.Tests.Platform;

public class RunTraceRecorderTests
{
    [Test]
    public void RecordingCarriesTheScenarioAndOneRecordPerStep()
    {
        Scenario s = BuiltInScenarios.PassthroughIts with { Run = new RunSpec { DurationPs = 20_000_000, SampleIntervalPs = 10_000_000 } };
        var ms = new MemoryStream();
        ScenarioMachine machine;
        using (var recorder = RunTraceRecorder.Create(ms, s, "test", leaveOpen: true))
        {
            machine = MachineBuilder.Build(s, null, recorder);
            machine.Run();
            recorder.Complete();
        }
        ms.Position = 0;
        using var reader = new TraceReader(ms);
        Assert.That(reader.Header.Seed, Is.EqualTo(s.Seed));
        Assert.That(ScenarioLoader.Parse(reader.Header.Scenario, "header"), Is.EqualTo(s));

        var counts = new Dictionary<TraceRecordType, long>();
        ulong lastDmaTime = 0;
        while (reader.TryReadNext(out TraceRecord r))
        {
            counts[r.Type] = counts.GetValueOrDefault(r.Type) + 1;
            if (r.Type == TraceRecordType.DmaIssued && r.TryRead(out DmaIssuedRecord d))
            {
                Assert.That(d.Time, Is.GreaterThanOrEqualTo(lastDmaTime));
                lastDmaTime = d.Time;
                Assert.That(d.RequesterId, Is.EqualTo(0x0100)); // 01:00.0
            }
        }
        Assert.That(counts[TraceRecordType.DmaIssued], Is.EqualTo(machine.Transactions + machine.InFlight));
        long translations = counts.GetValueOrDefault(TraceRecordType.Translation) + counts.GetValueOrDefault(TraceRecordType.TranslationFault);
        Assert.That(translations, Is.EqualTo(machine.Results.Translation.Translations));
        // Register writes: the SMMU driver's probe/reset and queue doorbells, the ITS driver's, and the two MSI-X
        // vectors (address low, address high, data, vector control each).
        Assert.That(counts[TraceRecordType.RegisterWrite], Is.GreaterThan(8 + 20));
        // The set-up as memory: stream table, CD, page tables, queues and ITS tables, a page per record.
        Assert.That(counts[TraceRecordType.MemoryWrite], Is.GreaterThan(10));
        Assert.That(counts[TraceRecordType.ItsCommand], Is.GreaterThan(4)); // MAPC/INVALL per CPU, MAPD, MAPTI...
        Assert.That(counts[TraceRecordType.SmmuCommand], Is.GreaterThan(4)); // CFGI_ALL, TLBI, CFGI_STE, CMD_SYNC...
        Assert.That(counts[TraceRecordType.MsiWrite], Is.GreaterThan(0));
        Assert.That(counts[TraceRecordType.InterruptDelivered], Is.GreaterThan(0));
    }
}

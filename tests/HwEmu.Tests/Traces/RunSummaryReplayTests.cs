using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Devices.Platform.Reporting;
using HwEmu.Tests.Platform;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using HwEmu.Traces.Replay;
using NUnit.Framework;

namespace HwEmu.Tests.Traces;

/// <summary>
/// Issue #7: a trace recorded by <c>hwemu run</c> replays with every result matched and the run's summary —
/// the JSON results and the text summary — byte for byte.
/// </summary>
public class RunSummaryReplayTests
{
    private static readonly string[] Examples =
        ["passthrough-its", "p2p-no-acs", "msi-upstream", "dma-strict-vs-lazy", "passthrough-gicv2m", "tlb-reach-4k", "tlb-reach-2m"];

    private static (byte[] Trace, RunResults Run) Record(Scenario s, HostSetupOptions? options)
    {
        var ms = new MemoryStream();
        RunResults results;
        using (var recorder = RunTraceRecorder.Create(ms, s, "test", leaveOpen: true))
        {
            results = MachineBuilder.Build(s, options, recorder).Run();
            recorder.Complete();
        }
        return (ms.ToArray(), results);
    }

    private static ReplayResult Replay(byte[] trace)
    {
        using var reader = new TraceReader(new MemoryStream(trace));
        var script = ReplayScript.Load(reader);
        var machine = ReplayMachine.Build(script.Header);
        return ReplayEngine.Run(script, machine, machine.Name);
    }

    [TestCaseSource(nameof(Examples))]
    public void AReplayedExampleRecordingGivesTheRunsSummaryByteForByte(string example)
    {
        Scenario s = ScenarioLoader.Load(Path.Combine(ScenarioLoaderTests.ExamplesDirectory, example + ".json"));
        // VFIO on a GICv2m needs allow_unsafe_interrupts (as `hwemu run --allow-unsafe-interrupts`).
        var options = example == "passthrough-gicv2m" ? new HostSetupOptions { AllowUnsafeInterrupts = true } : null;
        var (trace, run) = Record(s, options);
        ReplayResult r = Replay(trace);
        Assert.That((r.Translations.Mismatched, r.Translations.Unverified, r.Msis.Mismatched, r.TimeReversals), Is.EqualTo((0L, 0L, 0L, 0L)), string.Join("\n", r.Mismatches));
        Assert.That(run.Devices.Sum(d => d.Transactions), Is.GreaterThan(0), "the run moved data");
        string expected = ResultsJsonWriter.ToJson(run), actual = ResultsJsonWriter.ToJson(r.Results);
        Assert.That(actual, Is.EqualTo(expected));
        Assert.That(SummaryWriter.ToText(r.Results), Is.EqualTo(SummaryWriter.ToText(run)));
    }

    [Test]
    public void RecordingTheSameScenarioTwiceGivesTheSameBytes()
    {
        Scenario s = ScenarioLoader.Load(Path.Combine(ScenarioLoaderTests.ExamplesDirectory, "dma-strict-vs-lazy.json"));
        var (a, _) = Record(s, null);
        var (b, _) = Record(s, null);
        Assert.That(a.Length, Is.GreaterThan(100_000));
        Assert.That(b, Is.EqualTo(a));
    }

    [Test]
    public void TheP2pExampleCountsItsPeerRequestsAndDeviceTrafficAsTheRunDid()
    {
        Scenario s = ScenarioLoader.Load(Path.Combine(ScenarioLoaderTests.ExamplesDirectory, "p2p-no-acs.json"));
        var (trace, run) = Record(s, null);
        RunResults p = Replay(trace).Results;
        Assert.That(run.P2pBypasses, Is.GreaterThan(0));
        Assert.That((p.P2pBypasses, p.Devices[0].P2pBypasses, p.Devices[1].P2pBypasses), Is.EqualTo((run.P2pBypasses, run.P2pBypasses, 0L)));
        // Per-device counts come from the DmaCompleted records, whatever the replayed translations give.
        static IEnumerable<(string, long, long, long, long, long, long)> Dev(RunResults x) => x.Devices.Select(d =>
            (d.Name, d.Reads, d.Writes, d.Bytes, d.Operations, d.Errors, d.Latency.Count));
        Assert.That(Dev(p), Is.EqualTo(Dev(run)));
        Assert.That(p.SimulatedPs, Is.EqualTo(run.SimulatedPs));
    }

    [Test]
    public void ATraceWithoutTheAppendedFieldsStillReplays()
    {
        // Strip the run's appended fields: DmaIssued device/kind/route, the translations' arrival time, DmaCompleted.
        Scenario s = BuiltInScenarios.PassthroughIts with { Run = new RunSpec { DurationPs = 20_000_000 } };
        var (trace, run) = Record(s, null);
        var old = new MemoryStream();
        using (var reader = new TraceReader(new MemoryStream(trace)))
        using (var writer = new TraceWriter(old, reader.Header, leaveOpen: true))
        {
            while (reader.TryReadNext(out TraceRecord rec))
            {
                if (rec.TryRead(out DmaIssuedRecord d)) writer.Append(d with { Device = -1 });
                else if (rec.TryRead(out TranslationRecord t)) writer.Append(t with { ArrivalTime = TranslationRecord.NoArrival });
                else if (rec.TryRead(out TranslationFaultRecord f)) writer.Append(f with { ArrivalTime = TranslationRecord.NoArrival });
                else if (rec.Type != TraceRecordType.DmaCompleted) writer.AppendRaw(rec.Bytes);
            }
        }
        ReplayResult r = Replay(old.ToArray());
        Assert.That((r.Translations.Matched, r.Msis.Matched, r.MismatchCount), Is.EqualTo((r.Translations.Replayed, r.Msis.Replayed, 0L)));
        Assert.That(r.Translations.Replayed, Is.EqualTo(run.Translation.Translations));
        Assert.That(r.Results.Devices, Is.Empty, "no completions recorded: no device table");
        Assert.That(r.Results.Translation.TlbHits, Is.EqualTo(run.Translation.TlbHits));
    }
}

/// <summary>Only an observer that asks for every memory store gets them; others keep the set-up pages (campaigns).</summary>
public class MemoryWriteReportingTests
{
    private sealed class Counter(bool everyWrite) : IRunObserver
    {
        public int Writes, Pages, LaterWrites;
        public bool ReportsEveryMemoryWrite => everyWrite;
        public void OnHostMemoryWrite(ulong timePs, ulong address, ReadOnlySpan<byte> data, HostStructure structure)
        {
            Writes++;
            if (data.Length == 4096) Pages++;
            if (timePs > 0) LaterWrites++;
        }
        public void OnRegisterWrite(ulong timePs, ushort component, ulong address, int size, ulong value) { }
        public void OnSmmuCommand(ulong timePs, uint consumerIndex, ulong dword0, ulong dword1, byte error) { }
        public void OnItsCommand(ulong timePs, uint queueOffset, ulong dword0, ulong dword1, ulong dword2, ulong dword3, uint error) { }
        public void OnDmaIssued(in RunDma dma) { }
        public void OnDmaCompleted(ulong timePs, ulong transactionId, bool error) { }
        public void OnTranslation(ulong timePs, ulong transactionId, in HwEmu.Devices.Smmu.SmmuTransaction transaction, in HwEmu.Devices.Smmu.TranslationResult result) { }
        public void OnMsiWrite(ulong timePs, ushort requesterId, uint deviceId, ulong doorbellAddress, uint data) { }
        public void OnInterruptDelivered(ulong timePs, uint intId, int cpu, RunInterruptSource source, uint deviceId, uint eventId) { }
        public void OnPeerToPeer(ulong timePs, ulong transactionId, ushort requesterId, ulong address, int peerEndpoint) { }
    }

    [Test]
    public void SetUpPagesByDefaultEveryStoreWhenAsked()
    {
        Scenario s = ScenarioLoader.Load(Path.Combine(ScenarioLoaderTests.ExamplesDirectory, "dma-strict-vs-lazy.json"));
        var pages = new Counter(false);
        MachineBuilder.Build(s, null, pages).Run();
        Assert.That((pages.Writes, pages.LaterWrites), Is.EqualTo((pages.Pages, 0)), "whole pages at time 0 only");
        Assert.That(pages.Pages, Is.GreaterThan(10));
        var stores = new Counter(true);
        MachineBuilder.Build(s, null, stores).Run();
        Assert.That(stores.Pages, Is.Zero, "stores, not pages");
        Assert.That(stores.LaterWrites, Is.GreaterThan(1000), "the DMA API's page-table and queue writes during the run");
    }
}

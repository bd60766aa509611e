using HwEmu.Devices.Host;
using HwEmu.Devices.Pcie;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Devices.Platform.Reporting;
using NUnit.Framework;

namespace HwEmu.Tests.Platform;

public class ScenarioMachineTests
{
    private static Scenario Example(string file) => ScenarioLoader.Load(Path.Combine(ScenarioLoaderTests.ExamplesDirectory, file));

    /// <summary>One DMA engine at 01:00.0 under a root port, identity domain, sequential reads.</summary>
    internal static Scenario OneEngine(int queueDepth = 64, ulong transfer = 4096, ulong durationPs = 200_000_000, double readFraction = 1.0) => new()
    {
        Name = "one-engine",
        Topology = new TopologySpec
        {
            RootPorts = new[] { new RootPortSpec("rp0", "00:01.0", 1) },
            Endpoints = new[] { new EndpointSpec("dma0", "rp0", "01:00.0", new[] { new BarSpec(0, 0x1000_0000, 0x4000) }) },
        },
        Devices = new[] { new DeviceSpec { Name = "dma0", Endpoint = "dma0", Kind = DeviceKind.DmaEngine, MsixVectors = 1, CoalesceCount = 256 } },
        Domains = new[] { new DomainSpec("dma0", DomainKind.Identity) },
        Workloads = new[] { new WorkloadSpec { Name = "seq", Device = "dma0", Pattern = AccessPattern.Sequential, TransferSize = transfer, ReadFraction = readFraction, WorkingSet = 64UL << 20, QueueDepth = queueDepth } },
        Run = new RunSpec { DurationPs = durationPs, SampleIntervalPs = 10_000_000 },
    };

    [Test]
    public void LinkBandwidthIsReachedButNeverExceeded()
    {
        RunResults r = MachineBuilder.Build(OneEngine()).Run();
        DeviceResults d = r.Devices[0];
        // Gen4 x4: 16 GT/s x 4 lanes x 128/130 / 8 = 7.8769 GB/s per direction. A 4 KiB read comes back as 16
        // completions of MPS = 256 bytes, each with a 12-byte header and 8 bytes of framing/LCRC: 4416 wire bytes.
        double link = 16.0 * 4 * 128 / 130 / 8;
        double payloadMax = link * 4096 / (4096 + 16 * 20);
        Assert.That(d.Errors, Is.Zero);
        Assert.That(d.GigabytesPerSecond(r.SimulatedPs), Is.LessThanOrEqualTo(payloadMax));
        Assert.That(d.GigabytesPerSecond(r.SimulatedPs), Is.GreaterThan(0.97 * payloadMax));
        // And in every sampling interval: a sample counts whole transfers completed in it, so it may hold at most
        // one transfer more than the link could carry in the interval.
        foreach (TimeSample s in r.Samples)
            Assert.That(s.Bytes, Is.LessThanOrEqualTo(payloadMax * (r.SampleIntervalPs / 1000.0) + 4096));
    }

    [Test]
    public void OneOutstandingReadTakesTheLinkAndMemoryLatency()
    {
        // Queue depth 1, SMMU disabled (GBPA bypass: 1 cycle at 1 GHz), identity domain: a 4 KiB read is
        //   link:    Gen4 x4 = 16 GT/s x 4 x 128/130 / 8 = 1024/130 B/ns, i.e. 126.953125 ps per byte
        //   request: 8 MRRS(512)-sized read requests, 3 DW header (32-bit address) + 8 framing = 20 B each = 160 B
        //            = 20 312.5 -> 20 313 ps (rounded up), + 150 000 ps propagation
        //   SMMU:    arrives at 170 313 ps; next 1 GHz edge is 171 000 ps; + 1 cycle = 172 000 ps
        //   DRAM:    80 000 ps latency + 4096 B / 25.6 B/ns = 160 000 ps -> 412 000 ps
        //   data:    8 requests x 512 B -> 8 x 2 completions of 256 B (+20 B) = 4416 B = 560 625 ps, + 150 000 ps
        // End to end: 412 000 + 560 625 + 150 000 = 1 122 625 ps.
        Scenario s = OneEngine(queueDepth: 1, durationPs: 0) with { Run = new RunSpec { DurationPs = 0, Transactions = 1, SampleIntervalPs = 1_000_000 } };
        RunResults r = MachineBuilder.Build(s).Run();
        DeviceResults d = r.Devices[0];
        Assert.That(d.Reads, Is.EqualTo(1));
        Assert.That(d.Latency.Max, Is.EqualTo(1_122_625UL));
    }

    [Test]
    public void PeerToPeerBypassesTheSmmuOnlyWithoutAcs()
    {
        Scenario open = Example("p2p-no-acs.json");
        RunResults a = MachineBuilder.Build(open).Run();
        Assert.That(a.P2pBypasses, Is.GreaterThan(100));
        Assert.That(a.Devices[0].P2pBypasses, Is.EqualTo(a.P2pBypasses));

        // Same topology with ACS Request Redirect on the switch's downstream ports: every peer request goes up.
        var acs = AcsSpec.Isolating;
        SwitchSpec sw = open.Topology.Switches[0];
        var isolated = open with
        {
            Topology = open.Topology with
            {
                Switches = new[] { sw with { DownstreamPorts = new ValueList<SwitchPortSpec>(sw.DownstreamPorts.Select(p => p with { Acs = acs })) } },
            },
        };
        ScenarioMachine m = MachineBuilder.Build(isolated);
        RunResults b = m.Run();
        Assert.That(b.P2pBypasses, Is.Zero);
        Assert.That(m.Hardware.Fabric.AcsRedirectCount, Is.GreaterThan(100));
    }

    [Test]
    public void MsisBypassTheSmmuWhenTheControllerIsUpstream()
    {
        // Identity data domain so that the data path works whatever the SMMU's state; MSIs are what is measured.
        Scenario up = Example("msi-upstream.json") with
        {
            Domains = new[] { new DomainSpec("nvme0", DomainKind.Identity) },
            Run = new RunSpec { DurationPs = 100_000_000, SampleIntervalPs = 10_000_000 },
        };
        ScenarioMachine m = MachineBuilder.Build(up);
        RunResults r = m.Run();
        long ops = r.Devices[0].Operations;
        Assert.That(ops, Is.GreaterThan(100));
        Assert.That(r.MsiBypasses, Is.InRange(ops, ops + 64)); // one MSI per completion (no coalescing), some in flight
        // Downstream (the default): MSIs are translated like any write and none bypasses.
        RunResults d = MachineBuilder.Build(up with { Platform = up.Platform with { Msi = up.Platform.Msi with { Position = MsiPosition.Downstream } } }).Run();
        Assert.That(d.MsiBypasses, Is.Zero);
    }

    [Test]
    public void VfioOnGicv2mFailsWithTheKernelsEpermUnlessUnsafeInterruptsAreAllowed()
    {
        Scenario v2m = Example("passthrough-gicv2m.json");
        var ex = Assert.Throws<HostSetupException>(() => MachineBuilder.Build(v2m));
        Assert.That(ex!.Errno, Is.EqualTo(Errno.EPERM));
        Assert.That(ex.Message, Does.Contain("No interrupt remapping support.  Use the module param \"allow_unsafe_interrupts\""));
        Assert.That(() => MachineBuilder.Build(v2m, new HostSetupOptions { AllowUnsafeInterrupts = true }), Throws.Nothing);
    }

    [Test]
    public void HostAndFabricSeeTheSameTopology()
    {
        Scenario s = Example("p2p-no-acs.json");
        MachineHardware hw = MachineBuilder.BuildHardware(s);
        var host = new HwEmu.Devices.Host.Iommu.HostSystem(ScenarioHostPlatform.Build(s));
        foreach (EndpointSpec ep in s.Topology.Endpoints)
        {
            PciBdf.TryParse(ep.Bdf, out PciBdf bdf);
            var dev = host.FindDevice(bdf)!;
            int node = hw.Fabric.Find(ep.Name);
            Assert.That(hw.Fabric.IommuMap.TryMap(hw.Fabric.UpstreamRequesterId(node), out uint sid), Is.True);
            Assert.That(dev.StreamIds, Has.Member(sid));
        }
        // No ACS anywhere: the peers share one group (pci_device_group walks up to the root port).
        Assert.That(host.FindDevice(new PciBdf(3, 0, 0))!.Group, Is.SameAs(host.FindDevice(new PciBdf(4, 0, 0))!.Group));
    }

    [Test]
    public void SteadyStateAllocatesNothingPerTransaction()
    {
        ScenarioMachine m = MachineBuilder.Build(BuiltInScenarios.PassthroughIts with { Run = new RunSpec { DurationPs = 0, Transactions = 0, SampleIntervalPs = 1_000_000_000 } });
        m.Start();
        m.Simulator.RunUntil(200_000_000); // warm up: slots, tables, JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        long tx = m.Transactions;
        m.Simulator.RunUntil(400_000_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(m.Transactions - tx, Is.GreaterThan(10_000));
        Assert.That(allocated, Is.LessThan(1024), $"{allocated} bytes over {m.Transactions - tx} transactions");
    }
}

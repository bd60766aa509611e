using HwEmu.Devices.Platform;
using NUnit.Framework;

namespace HwEmu.Tests.Platform;

public class ScenarioWriterTests
{
    private static string Examples => ScenarioLoaderTests.ExamplesDirectory;

    [Test]
    public void BuiltInScenarioRoundTripsToAnEqualRecord()
    {
        string json = ScenarioWriter.ToJson(BuiltInScenarios.PassthroughIts);
        Scenario back = ScenarioLoader.Parse(json, "header");
        Assert.That(back, Is.EqualTo(BuiltInScenarios.PassthroughIts));
        Assert.That(ScenarioWriter.ToJson(back), Is.EqualTo(json)); // deterministic bytes
    }

    [TestCase("passthrough-its.json")]
    [TestCase("passthrough-gicv2m.json")]
    [TestCase("p2p-no-acs.json")]
    [TestCase("msi-upstream.json")]
    [TestCase("dma-strict-vs-lazy.json")]
    [TestCase("tlb-reach-4k.json")]
    [TestCase("tlb-reach-2m.json")]
    public void ExampleScenariosRoundTrip(string file)
    {
        Scenario s = ScenarioLoader.Load(Path.Combine(Examples, file));
        Assert.That(ScenarioLoader.Parse(ScenarioWriter.ToJson(s), file), Is.EqualTo(s));
    }

    [Test]
    public void SwitchesBridgesAcsLinksAndTransactionLimitsRoundTrip()
    {
        Scenario s = BuiltInScenarios.PassthroughIts with
        {
            Seed = ulong.MaxValue,
            Topology = new TopologySpec
            {
                RootPorts = new[] { new RootPortSpec("rp0", "00:01.0", 1, AcsSpec.Isolating, new LinkSpec { Generation = 5, Width = 16, PropagationPs = 1 }) },
                Switches = new[] { new SwitchSpec("sw0", "rp0", "01:00.0", 2, new[] { new SwitchPortSpec("dp0", "02:00.0", 3, new AcsSpec(EgressControl: true)), new SwitchPortSpec("dp1", "02:01.0", 4) }) },
                Bridges = new[] { new PciBridgeSpec("br0", "dp1", "04:00.0", 5) },
                Endpoints = new[] { new EndpointSpec("nvme0", "dp0", "03:00.0", new[] { new BarSpec(0, 0x1000_0000, 0x4000, true) }) },
            },
            Platform = new PlatformSpec { Memory = new MemorySpec { BytesPerNanosecond = 12.345678901234 } },
            Run = new RunSpec { DurationPs = 0, Transactions = 1000, SampleIntervalPs = 123 },
        };
        Assert.That(ScenarioLoader.Parse(ScenarioWriter.ToJson(s), "x"), Is.EqualTo(s));
    }
}

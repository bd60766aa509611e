using System.Diagnostics.CodeAnalysis;

namespace HwEmu.Devices.Platform;

/// <summary>
/// Scenarios built into hwemu. <see cref="PassthroughIts"/> is what <c>hwemu run</c> runs without arguments; it is
/// equal (record equality) to what <see cref="ScenarioLoader"/> produces from examples/passthrough-its.json.
/// </summary>
public static class BuiltInScenarios
{
    /// <summary>Name of the default scenario.</summary>
    public const string DefaultName = "passthrough-its";

    /// <summary>Names of the built-in scenarios.</summary>
    public static IReadOnlyList<string> Names { get; } = [DefaultName];

    /// <summary>
    /// An NVMe-like device at 01:00.0 under root port 00:01.0, assigned to user space through VFIO (4 KiB
    /// mappings) behind an SMMUv3, MSI-X through a GICv3 ITS downstream of the SMMU; 4 KiB random reads over a
    /// 1 GiB buffer at queue depth 32 for 1 ms.
    /// </summary>
    public static Scenario PassthroughIts { get; } = Validated(new Scenario
    {
        Name = DefaultName,
        Description = "NVMe-like device assigned through VFIO behind an SMMUv3 with a GICv3 ITS; 4 KiB random reads",
        Seed = 1,
        Topology = new TopologySpec
        {
            RootPorts = new[] { new RootPortSpec("rp0", "00:01.0", 1) },
            Endpoints = new[] { new EndpointSpec("nvme0", "rp0", "01:00.0", new[] { new BarSpec(0, 0x1000_0000, 0x4000) }) },
        },
        Devices = new[] { new DeviceSpec { Name = "nvme0", Endpoint = "nvme0", Kind = DeviceKind.Nvme, MsixVectors = 2, Queues = 1, QueueEntries = 256 } },
        Domains = new[] { new DomainSpec("nvme0", DomainKind.Vfio, 4096, 0x1_0000_0000) },
        Workloads = new[]
        {
            new WorkloadSpec { Name = "randread", Device = "nvme0", Pattern = AccessPattern.Random, TransferSize = 4096, ReadFraction = 1.0, WorkingSet = 1UL << 30, QueueDepth = 32 },
        },
        Run = new RunSpec { DurationPs = 1_000_000_000, SampleIntervalPs = 10_000_000 },
    });

    /// <summary>Looks up a built-in scenario by name.</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out Scenario? scenario)
    {
        scenario = name == DefaultName ? PassthroughIts : null;
        return scenario is not null;
    }

    private static Scenario Validated(Scenario s)
    {
        ScenarioValidator.Validate(s, "built-in:" + s.Name);
        return s;
    }
}

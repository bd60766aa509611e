using System.CommandLine;
using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iommu;
using HwEmu.Devices.Host.Vfio;
using HwEmu.Devices.Pcie;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;

namespace HwEmu.Cli.Commands;

/// <summary>
/// <c>hwemu host ...</c>: what a user of the modelled Linux host would read on a real machine — IOMMU groups and
/// reserved regions in the sysfs format, VFIO usable IOVA ranges, the VFIO_IOMMU_GET_INFO buffer.
/// </summary>
public static class HostCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create(TextWriter output)
    {
        var host = new Command("host", "Show what the modelled Linux host reports: IOMMU groups, reserved regions, VFIO ranges and GET_INFO.");
        host.Subcommands.Add(Sub("groups", "Print /sys/kernel/iommu_groups/*: devices, reserved_regions lines and type.", output, needsDevice: false,
            (h, _, _, w) => { HostReports.WriteGroups(h, w); return true; }));
        host.Subcommands.Add(Sub("reserved-regions", "Print reserved_regions ('0x%016llx 0x%016llx type', inclusive end) of every group or of --device's group.", output, needsDevice: false,
            (h, bdf, _, w) => HostReports.WriteReservedRegions(h, w, bdf)));
        host.Subcommands.Add(Sub("iova-ranges", "Attach --device's group to a VFIO type1 container and print the usable IOVA ranges ('0x%llx-0x%llx').", output, needsDevice: true,
            (h, bdf, o, w) => HostReports.WriteIovaRanges(h, w, bdf!.Value, o)));
        host.Subcommands.Add(Sub("vfio-info", "Attach --device's group to a VFIO container and dump VFIO_IOMMU_GET_INFO (hex and decoded).", output, needsDevice: true,
            (h, bdf, o, w) => HostReports.WriteVfioInfo(h, w, bdf!.Value, o)));
        return host;
    }

    // The host's view of a scenario: the same topology description the run's fabric is built from.
    private static HostPlatform ScenarioPlatform(string name)
    {
        if (!File.Exists(name) && !BuiltInScenarios.TryGet(name, out _))
            throw new BadInputException($"SCENARIO: '{name}' is not a scenario file, a built-in scenario ({string.Join(", ", BuiltInScenarios.Names)}) " +
                                        $"or a built-in platform ({string.Join(", ", HostPlatform.BuiltInNames)})");
        return ScenarioHostPlatform.Build(RunCommand.Load(name));
    }

    private static Command Sub(string name, string description, TextWriter output, bool needsDevice,
        Func<HostSystem, PciBdf?, VfioOptions, TextWriter, bool> action)
    {
        var platform = new Argument<string>("SCENARIO")
        {
            Description = $"Scenario file or built-in scenario ({string.Join(", ", BuiltInScenarios.Names)}), or built-in platform " +
                          $"({string.Join(", ", HostPlatform.BuiltInNames)}); default {HostPlatform.BuiltInNames[0]}",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => HostPlatform.BuiltInNames[0],
        };
        var device = new Option<string?>("--device") { Description = "PCI device as BB:DD.F or DDDD:BB:DD.F, e.g. 00:01.0" };
        if (needsDevice) device.Required = true;
        var kernel = new Option<string?>("--kernel") { Description = "Linux version whose behaviour to model (default 6.1, the captures' kernel)" };
        var unsafeIrq = new Option<bool>("--allow-unsafe-interrupts") { Description = "Set vfio_iommu_type1.allow_unsafe_interrupts" };
        var cmd = new Command(name, description) { platform, device, kernel, unsafeIrq };
        cmd.SetAction(parse =>
        {
            string platformName = parse.GetValue(platform)!;
            var p = HostPlatform.BuiltIn(platformName) ?? ScenarioPlatform(platformName);
            if (parse.GetValue(kernel) is string k)
            {
                if (!KernelVersion.TryParse(k, out var version)) throw new BadInputException($"--kernel: '{k}' is not a kernel version like 6.1 or 6.3.0");
                p = p.WithKernelVersion(version);
            }
            PciBdf? bdf = null;
            if (parse.GetValue(device) is string d)
            {
                if (!PciBdf.TryParse(d, out var b)) throw new BadInputException($"--device: '{d}' is not a PCI address like 00:01.0");
                bdf = b;
            }
            var options = new VfioOptions { AllowUnsafeInterrupts = parse.GetValue(unsafeIrq) };
            return action(new HostSystem(p), bdf, options, output) ? Program.ExitOk : Program.ExitRunFailed;
        });
        return cmd;
    }
}

using HwEmu.Emulator.Kernel;
using HwEmu.Emulator.Memory;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// Reports every write into guest memory during a run (the DMA API's page-table updates, the SMMU driver's
/// command-queue entries, the models' own queue writes) to a run observer at the simulated time it happens (set-up:
/// time 0), so a recording replays each in order.
/// </summary>
internal sealed class MemoryWriteReporter(IRunObserver observer, Simulator simulator) : IPhysicalMemoryWriteObserver
{
    /// <inheritdoc/>
    public void OnMemoryWrite(ulong pa, ReadOnlySpan<byte> data) => observer.OnHostMemoryWrite(simulator.Now, pa, data, HostStructure.Other);
}

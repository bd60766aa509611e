using HwEmu.Devices.Host;
using HwEmu.Devices.Host.ArmSmmuV3;
using HwEmu.Devices.Host.Iommu;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

/// <summary>Strict map + unmap (io-pgtable edit, TLBI_NH_VA + CMD_SYNC through the queue) allocates nothing.</summary>
public class ArmSmmuV3AllocationTests
{
    [Test]
    public void StrictMapUnmapAllocatesNothing()
    {
        // A 4 KiB queue (256 commands): the warm-up wraps it, so every slot's emulated page already exists
        // (first-touch page allocation of sparse memory is not the driver's).
        var bed = new DriverTestBed(options: new ArmSmmuV3DriverOptions { QueueMaxBytesLog2 = 12 }, record: false);
        Assert.That(bed.Driver.CmdqShift, Is.EqualTo(8));
        var d = (ArmSmmuDomain)bed.Driver.AllocDomain(IommuDomainType.Unmanaged)!.Ops!;
        Assert.That(d.Attach([8u]), Is.EqualTo(Errno.None));
        Loop(d, 1000);
        long issued = bed.Driver.CommandsIssued;
        // Three rounds, and one must allocate nothing: an allocation per operation shows in every round, while the
        // runtime's one-off work while methods tier up (7 104 bytes, in about one test run of six) lands in one.
        var allocated = new long[3];
        for (int round = 0; round < allocated.Length; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Loop(d, 10_000);
            allocated[round] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.That(allocated.Min(), Is.EqualTo(0), "bytes allocated per round of 10 000: " + string.Join(", ", allocated));
        Assert.That(bed.Driver.CommandsIssued - issued, Is.EqualTo(60_000), "TLBI_NH_VA + CMD_SYNC per unmap");
        Assert.That(bed.Smmu.CommandQueue.Errors, Is.EqualTo(0));
    }

    private static void Loop(ArmSmmuDomain d, int n)
    {
        const IommuProt rw = IommuProt.Read | IommuProt.Write;
        for (int i = 0; i < n; i++)
        {
            ulong iova = 0x10_0000 + (ulong)(i & 63) * 0x1000;
            d.MapPages(iova, 0x4800_0000, 0x1000, 1, rw, out _);
            d.UnmapPages(iova, 0x1000, 1);
        }
    }
}

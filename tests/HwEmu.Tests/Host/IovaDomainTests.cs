using HwEmu.Devices.Host;
using HwEmu.Devices.Host.Iova;
using NUnit.Framework;

namespace HwEmu.Tests.Host;

public class IovaDomainTests
{
    private static readonly KernelVersion V4_12 = new(4, 12), V4_14 = new(4, 14), V6_1_0 = new(6, 1, 0);

    [Test]
    public void DoorbellTakesTopPageBelow4G()
    {
        // iommu_dma_alloc_iova for a PCI device tries DMA_BIT_MASK(32) first: the capture's 0xfffff000.
        var d = new IovaDomain(0x1000, 1);
        Assert.That(d.AllocIovaFast(1, 0xffffffffUL >> 12), Is.EqualTo(0xfffffUL));
        Assert.That(d.AllocIovaFast(3, 0xfffff), Is.EqualTo(0xffff8UL), "3 pages rounded to 4, aligned");
        Assert.That(d.AllocIova(2, 0xfffff, true, out var r), Is.True);
        Assert.That(r, Is.EqualTo(new IovaRange(0xffff6, 0xffff7)));
        Assert.That(d.FreeIova(0xffff9), Is.True);
        Assert.That(d.AllocIova(1, 0xfffff, true, out r), Is.True);
        Assert.That(r, Is.EqualTo(new IovaRange(0xffffe, 0xffffe)), "cached32 moved above the freed node: top-down again");
        Assert.That(d.AllocIova(8, 0xfffff, true, out r), Is.True);
        Assert.That(r, Is.EqualTo(new IovaRange(0xfffe8, 0xfffef)), "next 8-aligned slot below 0xffff6");
        Assert.That(d.Ranges().Select(x => x.PfnLo), Is.EqualTo(new ulong[] { 0xfffe8, 0xffff6, 0xffffe, 0xfffff }));
    }

    [Test]
    public void AboveFourGigUsesFullCache()
    {
        var d = new IovaDomain(0x1000, 1);
        Assert.That(d.AllocIova(0x10, (1UL << 36) - 1, true, out var r), Is.True);
        Assert.That(r, Is.EqualTo(new IovaRange((1UL << 36) - 0x10, (1UL << 36) - 1)));
        Assert.That(d.AllocIova(1, 0xfffff, false, out r), Is.True);
        Assert.That(r.PfnLo, Is.EqualTo(0xfffffUL));
    }

    [Test]
    public void ReserveMergesAndFindFree()
    {
        var d = new IovaDomain(0x1000, 1);
        Assert.That(d.ReserveIova(0x100, 0x1ff, out var n), Is.True);
        Assert.That(n, Is.EqualTo(new IovaRange(0x100, 0x1ff)));
        Assert.That(d.ReserveIova(0x180, 0x2ff, out n), Is.True);
        Assert.That(n, Is.EqualTo(new IovaRange(0x200, 0x2ff)), "remainder above the overlapped node");
        Assert.That(d.ReserveIova(0x50, 0x120, out n), Is.True);
        Assert.That(n, Is.EqualTo(new IovaRange(0x50, 0x1ff)), "overlapped node extended downwards");
        Assert.That(d.ReserveIova(0x40, 0x2ff, out n), Is.True);
        Assert.That(n, Is.EqualTo(new IovaRange(0x200, 0x2ff)));
        Assert.That(d.Ranges(), Is.EqualTo(new[] { new IovaRange(0x40, 0x1ff), new IovaRange(0x200, 0x2ff) }));
        Assert.That(d.FindIova(0x250, out n), Is.True);
        Assert.That(n.PfnLo, Is.EqualTo(0x200UL));
        Assert.That(d.FindIova(0x300, out _), Is.False);
        Assert.That(d.ReserveIova(1UL << 60, 1UL << 60, out _), Is.False, "pfn beyond ULLONG_MAX >> shift");
        // Allocation skips reserved ranges: [0x1, 0x3f] is the only space below 0x2ff.
        Assert.That(d.AllocIova(0x20, 0x2ff, true, out var r), Is.True);
        Assert.That(r, Is.EqualTo(new IovaRange(0x20, 0x3f)));
        Assert.That(d.AllocIova(0x20, 0x2ff, true, out _), Is.False);
        Assert.That(d.Max32AllocSize, Is.EqualTo(0x20UL));
        Assert.That(d.AllocIova(0x40, 0xfff, true, out _), Is.False, "max32_alloc_size fast-fails bigger requests");
        Assert.That(d.FreeIova(0x25), Is.True);
        Assert.That(d.Max32AllocSize, Is.EqualTo(0x100000UL), "a free below 4G resets it");
        Assert.That(d.FreeIova(0x25), Is.False);
    }

    // §4.4 (a): the one-page domain must allocate its only page.
    [Test]
    public void OnePageDomainAllocatesItsPage()
    {
        const ulong S = 0x8000;
        var fixedDomain = new IovaDomain(0x1000, S);
        Assert.That(fixedDomain.AllocIova(1, S, false, out var r), Is.True);
        Assert.That(r, Is.EqualTo(new IovaRange(S, S)));
        Assert.That(fixedDomain.AllocIova(1, S, false, out _), Is.False);

        var legacy = new IovaDomain(0x1000, S, V4_14, legacyPfn32Bit: S);
        Assert.That(legacy.AllocIova(1, S, false, out _), Is.False, "v4.4-v4.14 off-by-one at start_pfn");
    }

    // §4.4 (a): upper part reserved, the bottom page must be allocated.
    [Test]
    public void UpperPartReservedAllocatesBottomPage()
    {
        const ulong S = 0x100, N = 16;
        foreach (var (kv, expectOk) in new[] { (KernelVersion.Default, true), (new KernelVersion(4, 15), true), (V4_14, false) })
        {
            var d = new IovaDomain(0x1000, S, kv);
            Assert.That(d.ReserveIova(S + 1, S + N - 1, out _), Is.True);
            Assert.That(d.AllocIova(1, S + N - 1, false, out var r), Is.EqualTo(expectOk), kv.ToString());
            if (expectOk) Assert.That(r, Is.EqualTo(new IovaRange(S, S)));
        }
    }

    // §4.4 (b): 5016bdb796b3's reproducer.
    [Test]
    public void PfnLoZeroUnderflow()
    {
        foreach (var (kv, second) in new (KernelVersion, IovaRange?)[]
                 { (V4_12, new IovaRange(ulong.MaxValue - 1, ulong.MaxValue)), (V4_14, null), (KernelVersion.Default, null) })
        {
            var d = new IovaDomain(0x1000, 1, kv);
            Assert.That(d.ReserveIova(0, 0, out var n), Is.True);
            Assert.That(n, Is.EqualTo(new IovaRange(0, 0)));
            Assert.That(d.AllocIova(2, 3, true, out var r), Is.True, kv.ToString());
            Assert.That(r, Is.EqualTo(new IovaRange(2, 3)));
            bool ok = d.AllocIova(2, 3, true, out r);
            Assert.That(ok, Is.EqualTo(second.HasValue), kv.ToString());
            if (second.HasValue) Assert.That(r, Is.EqualTo(second.Value), "bogus allocation above the domain");
        }
    }

    // §4.4 (c): CVE-2023-52910, a request larger than the domain.
    [Test]
    public void RetryOverflowOnOversizeRequest()
    {
        const ulong start = 0x1f0000, limit = 0x1f09ff; // a 10 MiB domain
        var buggy = new IovaDomain(0x1000, start, V6_1_0);
        Assert.That(buggy.AllocIova(0xb00, limit, false, out var r), Is.True, "6.1.0 retries from pfn 0");
        Assert.That(r, Is.EqualTo(new IovaRange(0x1eff00, 0x1f09ff)));
        Assert.That(r.PfnLo, Is.LessThan(start));

        foreach (var kv in new[] { KernelVersion.Default, new KernelVersion(6, 1, 7), new KernelVersion(6, 2), new KernelVersion(5, 10) })
        {
            var d = new IovaDomain(0x1000, start, kv);
            Assert.That(d.AllocIova(0xb00, limit, false, out _), Is.False, kv.ToString());
            Assert.That(d.Count, Is.EqualTo(0));
        }

        // Case 2: after freeing the highest node the cache points at the anchor again.
        var b2 = new IovaDomain(0x1000, start, new KernelVersion(5, 15));
        Assert.That(b2.AllocIova(0x100, limit, false, out var a), Is.True);
        Assert.That(a.PfnLo, Is.EqualTo(0x1f0900UL));
        Assert.That(b2.FreeIova(a.PfnLo), Is.True);
        Assert.That(b2.AllocIova(0xa01, limit, false, out r), Is.True);
        Assert.That(r.PfnLo, Is.EqualTo(start - 1));
        var f2 = new IovaDomain(0x1000, start);
        Assert.That(f2.AllocIova(0x100, limit, false, out _), Is.True);
        Assert.That(f2.FreeIova(0x1f0900), Is.True);
        Assert.That(f2.AllocIova(0xa01, limit, false, out _), Is.False);
    }

    [Test]
    public void RetryPassFindsSpaceAboveCachedNode()
    {
        // The full cache sits on a node filling [start, 0x1fffff]; a request with a higher limit fails below it and
        // the second pass in [retry_pfn + 1, limit] finds the space above.
        var d = new IovaDomain(0x1000, 0x100000);
        Assert.That(d.AllocIova(0x100000, 0x1fffff, true, out var a), Is.True);
        Assert.That(a, Is.EqualTo(new IovaRange(0x100000, 0x1fffff)));
        Assert.That(d.AllocIova(0x10, 0x2fffff, true, out var b), Is.True);
        Assert.That(b, Is.EqualTo(new IovaRange(0x2ffff0, 0x2fffff)));
    }
}
